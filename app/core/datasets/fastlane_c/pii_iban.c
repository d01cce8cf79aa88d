/* Part of _fastlane.c, compiled inside it (see its header): IBANs, IPv4, overlaps resolved, and find_pii() itself. */

/* IBAN.search(text, position, lim): the match's start (*end its end), or -1. */
static Py_ssize_t iban_search(const unsigned char *t, Py_ssize_t position, Py_ssize_t lim,
                              Py_ssize_t *end)
{
    for (Py_ssize_t p = position; p + 3 < lim; p++) {
        if (!pu(t[p]) || (p > 0 && pan(t[p - 1])) || !pu(t[p + 1]) || !pd(t[p + 2]) ||
            !pd(t[p + 3]))
            continue;
        Py_ssize_t ends[31], q = p + 4;
        int units = 0;
        while (units < 30) {
            if (q + 1 < lim && t[q] == ' ' && pud(t[q + 1]))
                q += 2;
            else if (q < lim && pud(t[q]))
                q += 1;
            else
                break;
            ends[++units] = q;
        }
        for (int k = units; k >= 10; k--) {
            Py_ssize_t e = ends[k];
            if (e < lim && (pd(t[e]) || pl(t[e])))
                continue;
            *end = e;
            return p;
        }
    }
    return -1;
}

static void pii_ibans(PiiCtx *x, const Py_ssize_t *win, int count)
{
    const unsigned char *t = x->t;
    for (int w = 0; w < count; w++) {
        Py_ssize_t position = win[2 * w], stop = win[2 * w + 1], match_end, start;
        while ((start = iban_search(t, position, stop, &match_end)) >= 0) {
            int length = iban_length(t[start], t[start + 1]);
            position = start + 1;
            if (!length)
                continue;
            Py_ssize_t end;
            int taken;
            if (memchr(t + start, ' ', (size_t)(match_end - start))) {
                Py_ssize_t q = start + 4;
                int units = 0;
                while (units < length - 4) {
                    if (q + 1 < match_end && t[q] == ' ' && pud(t[q + 1]))
                        q += 2;
                    else if (q < match_end && pud(t[q]))
                        q += 1;
                    else
                        break;
                    units++;
                }
                if (units < length - 4)
                    continue;
                end = q;
                taken = length;
            } else {
                end = start + length < match_end ? start + length : match_end;
                taken = (int)(end - start);
            }
            if (taken < length || (end < x->n && pan(t[end])))
                continue;
            char compact[40];
            int k = 0;
            for (Py_ssize_t i = start; i < end; i++)
                if (t[i] != ' ')
                    compact[k++] = (char)t[i];
            /* ISO 7064 mod 97 over compact[4:] + compact[:4], letters as 10..35 */
            int rem = 0;
            for (int i = 0; i < k; i++) {
                unsigned char c = (unsigned char)compact[(i + 4) % k];
                if (pd(c))
                    rem = (rem * 10 + (c - '0')) % 97;
                else
                    rem = (rem * 100 + (c - 'A' + 10)) % 97;
            }
            if (rem == 1) {
                char det[8] = {'i', 'b', 'a', 'n', ':', compact[0], compact[1], 0};
                pii_add(x, start, end, PK_IBAN, det);
                position = end;
            }
        }
    }
}

/* -- letter-led national ids: national.LETTER_IDS ------------------------------------- */

static int ni_first(unsigned char c) { return pu(c) && !strchr("DFIQUV", c); }
static int ni_second(unsigned char c) { return pu(c) && !strchr("DFIOQUV", c); }

static Py_ssize_t ni_at(const unsigned char *t, Py_ssize_t p, Py_ssize_t lim, int spaced)
{
    Py_ssize_t q = p + 2;
    for (int g = 0; g < 3; g++) {
        if (spaced) {
            if (q >= lim || t[q] != ' ')
                return -1;
            q++;
        }
        if (q + 1 >= lim || !pd(t[q]) || !pd(t[q + 1]))
            return -1;
        q += 2;
    }
    if (spaced) {
        if (q >= lim || t[q] != ' ')
            return -1;
        q++;
    }
    if (q >= lim || t[q] < 'A' || t[q] > 'D')
        return -1;
    q++;
    return q < lim && pan(t[q]) ? -1 : q;
}

static void pii_letter_ids(PiiCtx *x, const Py_ssize_t *win, int count)
{
    static const char *const banned[] = {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ", NULL};
    const unsigned char *t = x->t;
    for (int w = 0; w < count; w++) {
        Py_ssize_t lim = win[2 * w + 1];
        for (Py_ssize_t p = win[2 * w]; p < lim;) {
            Py_ssize_t end = -1;
            const char *det = NULL;
            if (!(p > 0 && pan(t[p - 1]))) {
                int ok = p + 1 < lim && ni_first(t[p]) && ni_second(t[p + 1]);
                for (int i = 0; ok && banned[i]; i++)
                    ok = !(t[p] == banned[i][0] && t[p + 1] == banned[i][1]);
                if (ok && (end = ni_at(t, p, lim, 1)) < 0)
                    end = ni_at(t, p, lim, 0);
                if (end >= 0)
                    det = "national_id:GB-NINO";
                else if (p + 10 <= lim && pu(t[p]) && pu(t[p + 1]) && pu(t[p + 2]) &&
                         t[p + 3] && strchr("ABCFGHJLPT", t[p + 3]) && pu(t[p + 4]) &&
                         pd(t[p + 5]) && pd(t[p + 6]) && pd(t[p + 7]) && pd(t[p + 8]) &&
                         pu(t[p + 9]) && !(p + 10 < lim && pan(t[p + 10]))) {
                    end = p + 10;
                    det = "national_id:IN-PAN";
                }
            }
            if (det) {
                pii_add(x, p, end, PK_NATIONAL, det);
                p = end;
            } else
                p++;
        }
    }
}

/* -- IPv4: detectors.find_ipv4, IPV4, _VERSION_BEFORE ---------------------------------- */

static Py_ssize_t octet(const unsigned char *t, Py_ssize_t q, Py_ssize_t lim)
{
    Py_ssize_t r = prun(t, q, lim, pd), len = r - q;
    if (len == 0 || len > 3 || (len > 1 && t[q] == '0'))
        return -1;
    if (len == 3 && (t[q] - '0') * 100 + (t[q + 1] - '0') * 10 + (t[q + 2] - '0') > 255)
        return -1;
    return r;
}

static int version_before(const unsigned char *t, Py_ssize_t start)
{
    static const char *const words[] = {"version", "ver.", "release", "build", "v", NULL};
    Py_ssize_t low = start - 10 > 0 ? start - 10 : 0, stop = start;
    while (stop > low && t[stop - 1] == ' ')
        stop--;
    /* the word ends where the spaces before the address begin; \b before it */
    for (int k = 0; words[k]; k++) {
        Py_ssize_t len = (Py_ssize_t)strlen(words[k]);
        for (Py_ssize_t e = stop; e <= start && e - len >= low; e++) {
            if (e > stop)
                break;
            Py_ssize_t i = e - len;
            int same = 1;
            for (Py_ssize_t j = 0; j < len && same; j++)
                same = (t[i + j] | (pa(t[i + j]) ? 0x20 : 0)) == (unsigned char)words[k][j];
            if (same && (i == 0 || !pw(t[i - 1])))
                return 1;
        }
    }
    return 0;
}

static void pii_ipv4(PiiCtx *x, const Py_ssize_t *spans, int count)
{
    const unsigned char *t = x->t;
    for (int i = 0; i < count; i++) {
        Py_ssize_t s = spans[2 * i], e = spans[2 * i + 1];
        if (!memchr(t + s, '.', (size_t)(e - s)))
            continue;
        Py_ssize_t lim = e + 1 < x->n ? e + 1 : x->n;
        for (Py_ssize_t p = s; p < lim;) {
            Py_ssize_t q = p;
            if (p > 0 && (pw(t[p - 1]) || t[p - 1] == '.'))
                q = -1;
            for (int k = 0; k < 4 && q >= 0; k++) {
                q = octet(t, q, lim);
                if (q >= 0 && k < 3)
                    q = q < lim && t[q] == '.' ? q + 1 : -1;
            }
            if (q >= 0 && ((q < lim && pw(t[q])) || (q + 1 < lim && t[q] == '.' && pd(t[q + 1]))))
                q = -1;
            if (q < 0) {
                p++;
                continue;
            }
            if (!version_before(t, p))
                pii_add(x, p, q, PK_IP, "ip:v4");
            p = q;
        }
    }
}

/* -- scanner.resolve_overlaps ------------------------------------------------------------ */

static const int pii_priority[7] = {4, 6, 2, 1, 5, 3, 0}; /* types.PRIORITY by kind code */

static int raw_by_position(const PiiRaw *a, const PiiRaw *b)
{
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->end != b->end)
        return a->end > b->end ? -1 : 1;
    return 0;
}

static int raw_by_rank(const PiiRaw *a, const PiiRaw *b)
{
    int pa_ = pii_priority[a->kind], pb_ = pii_priority[b->kind];
    if (pa_ != pb_)
        return pa_ < pb_ ? -1 : 1;
    Py_ssize_t la = a->start - a->end, lb = b->start - b->end;
    if (la != lb)
        return la < lb ? -1 : 1;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    return 0;
}

static void raw_sort(PiiRaw *r, int n, int (*cmp)(const PiiRaw *, const PiiRaw *))
{
    for (int i = 1; i < n; i++) { /* insertion sort: stable, as list.sort is */
        PiiRaw item = r[i];
        int j = i - 1;
        while (j >= 0 && cmp(&r[j], &item) > 0) {
            r[j + 1] = r[j];
            j--;
        }
        r[j + 1] = item;
    }
}

/* Leaves the kept findings in x->raw[0:count], in text order. */
static void pii_resolve(PiiCtx *x)
{
    int n = x->count;
    if (n < 2)
        return;
    raw_sort(x->raw, n, raw_by_position);
    int clean = 1;
    for (int i = 0; i + 1 < n; i++)
        clean &= x->raw[i].end <= x->raw[i + 1].start;
    if (clean)
        return;
    PiiRaw *ranked = x->ranked, *kept = x->kept;
    memcpy(ranked, x->raw, sizeof(PiiRaw) * (size_t)n);
    raw_sort(ranked, n, raw_by_rank);
    int k = 0;
    for (int i = 0; i < n; i++) {
        Py_ssize_t start = ranked[i].start, end = ranked[i].end;
        int index = 0;
        while (index < k && kept[index].start <= start)
            index++; /* bisect_right */
        if (index && kept[index - 1].end > start)
            continue;
        if (index < k && kept[index].start < end)
            continue;
        memmove(&kept[index + 1], &kept[index], sizeof(PiiRaw) * (size_t)(k - index));
        kept[index] = ranked[i];
        k++;
    }
    memcpy(x->raw, kept, sizeof(PiiRaw) * (size_t)k);
    x->count = k;
}

/* -- the entry point ------------------------------------------------------------------- */

#define FAM_EMAIL 1
#define FAM_DIGITS 2
#define FAM_IPV6 4
#define FAM_KNOWN 8
#define FAM_PRIVATE 16
#define FAM_ASSIGNED 32
#define PLAN_RUNS 64
#define PLAN_IBANS 128
#define PLAN_LETTER_IDS 256
#define PLAN_IPV4 512
#define PLAN_NAMES 1024
#define PLAN_ADDRESSES 2048

static int pii_has(const unsigned char *t, Py_ssize_t n, const char *s)
{
    return memmem(t, (size_t)n, s, strlen(s)) != NULL;
}

/* The length of the secret's name ASSIGNMENT reads at t[p] ("key", "password"...: letters
   in any case), 0 for none; the longer of two that both match ("credentials"). */
static Py_ssize_t pii_secret_name(const unsigned char *t, Py_ssize_t n, Py_ssize_t p)
{
    static const char *const names[] = {"credentials", "credential", "passphrase", "password",
                                        "passwd", "bearer", "secret", "token", "key", "pwd",
                                        NULL};
    for (int k = 0; names[k] != NULL; k++) {
        Py_ssize_t len = (Py_ssize_t)strlen(names[k]), q = 0;
        while (q < len && p + q < n && pa(t[p + q]) && (t[p + q] | 0x20) == names[k][q])
            q++;
        if (q == len)
            return len;
    }
    return 0;
}

/* Whether tokens._find_assigned could find anything in t: at an anchor word where a secret's
   name may start (_anchor_positions), ASSIGNMENT's name, its suffixes and an optional quote,
   then the start of an assignment (':' or '=', spaces then one of those or "is ", or spaces
   after "bearer"); or an "uthorization" header, or a "://" URL. t is printable ASCII (its
   only whitespace is the space), and what follows a name and its suffixes can only be read
   one way, so this holds whenever the expression matches: "no" is sure. */
static int pii_assignment_possible(const unsigned char *t, Py_ssize_t n)
{
    static const char *const anchors[] = {"key", "secret", "token", "bearer",
                                          "pass", "pwd", "credential", NULL};
    static const char *const heads[] = {"api", "access", "secret", "private", "client",
                                        "auth", "refresh", "session", "signing", "app",
                                        "master", "db", "admin", "root", "user", NULL};
    if (pii_has(t, n, "uthorization") || pii_has(t, n, "://"))
        return 1;
    if (!memchr(t, '=', (size_t)n) && !memchr(t, ':', (size_t)n) && !memchr(t, ' ', (size_t)n))
        return 0;
    for (int a = 0; anchors[a] != NULL; a++) {
        Py_ssize_t len = (Py_ssize_t)strlen(anchors[a]);
        for (Py_ssize_t p = 0; p + len <= n; p++) {
            Py_ssize_t k = 0;
            while (k < len && pa(t[p + k]) && (t[p + k] | 0x20) == anchors[a][k])
                k++;
            if (k < len)
                continue;
            int accepted = p == 0 || !pan(t[p - 1]) || (pl(t[p - 1]) && pu(t[p]));
            for (int h = 0; !accepted && heads[h] != NULL; h++) {
                Py_ssize_t m = (Py_ssize_t)strlen(heads[h]), from = p - m, q = 0;
                if (from < (p >= 8 ? p - 8 : 0))
                    continue; /* lowered.endswith(heads, max(0, p - 8), p) */
                while (q < m && pa(t[from + q]) && (t[from + q] | 0x20) == heads[h][q])
                    q++;
                accepted = q == m;
            }
            Py_ssize_t name = accepted ? pii_secret_name(t, n, p) : 0;
            if (name == 0)
                continue;
            Py_ssize_t r = p + name; /* then (?:[_\-.][A-Za-z0-9]+)* */
            while (r + 1 < n && (t[r] == '_' || t[r] == '-' || t[r] == '.') && pan(t[r + 1])) {
                r += 2;
                while (r < n && pan(t[r]))
                    r++;
            }
            int bearer = r - p >= 6 && (memcmp(t + r - 6, "bearer", 6) == 0 ||
                                        memcmp(t + r - 6, "Bearer", 6) == 0 ||
                                        memcmp(t + r - 6, "BEARER", 6) == 0);
            if (r < n && (t[r] == '"' || t[r] == '\'')) {
                r++;
                bearer = 0; /* the lookbehind would see the quote */
            }
            if (r >= n)
                continue;
            if (t[r] == ':' || t[r] == '=')
                return 1;
            if (t[r] != ' ')
                continue;
            Py_ssize_t s = r;
            while (s < n && t[s] == ' ')
                s++;
            if (bearer || (s < n && (t[s] == ':' || t[s] == '=')))
                return 1;
            if (s + 2 < n && (t[s] | 0x20) == 'i' && (t[s + 1] | 0x20) == 's' && t[s + 2] == ' ')
                return 1;
        }
    }
    return 0;
}

/* 1: x->raw holds the answer; 0: Python must run. */
static int pii_find(PiiCtx *x, long families, long plan)
{
    const unsigned char *t = x->t;
    Py_ssize_t n = x->n;
    long wanted = families & plan;
    unsigned bad = 0;
    for (Py_ssize_t i = 0; i < n; i++) /* no early exit: the compiler vectorises it */
        bad |= (unsigned)(t[i] < 0x20) | (unsigned)(t[i] > 0x7e);
    if (bad)
        return 0;
    if (plan & (PLAN_NAMES | PLAN_ADDRESSES))
        return 0;
    if ((wanted & FAM_IPV6) && (pii_has(t, n, "::") || memchr(t, ':', (size_t)n))) {
        Py_ssize_t colons = 0;
        for (Py_ssize_t i = 0; i < n; i++)
            colons += t[i] == ':';
        if (colons >= 7 || pii_has(t, n, "::"))
            return 0;
    }
    if ((wanted & FAM_PRIVATE) && pii_has(t, n, "PRIVATE KEY"))
        return 0;
    if ((wanted & FAM_ASSIGNED) && pii_assignment_possible(t, n))
        return 0;
    if ((wanted & FAM_EMAIL) && memchr(t, '@', (size_t)n))
        pii_emails(x);
    if (!x->unsure && (wanted & FAM_DIGITS)) {
        Py_ssize_t *spans = x->spans, *win = x->windows;
        int count;
        if (pii_candidates(t, n, spans, &count) < 0)
            return 0;
        if (count) {
            if (plan & PLAN_RUNS)
                pii_digit_runs(x, spans, count);
            if (!x->unsure && (plan & PLAN_IBANS))
                pii_ibans(x, win, pii_windows(spans, count, 40, 44, n, win));
            if (!x->unsure && (plan & PLAN_LETTER_IDS))
                pii_letter_ids(x, win, pii_windows(spans, count, 8, 4, n, win));
            if (!x->unsure && (plan & PLAN_IPV4))
                pii_ipv4(x, spans, count);
        }
    }
    if (!x->unsure && (wanted & FAM_KNOWN))
        pii_known_secrets(x);
    if (x->unsure)
        return 0;
    pii_resolve(x);
    return 1;
}

/* One context while the GIL is held; another only if code pii_find calls back into (the
   phone check) or code building a result ran find_pii or redact_line again. */
static PiiCtx pii_shared;
static int pii_busy;

static PiiCtx *
pii_take(void)
{
    PiiCtx *x = pii_busy ? PyMem_Malloc(sizeof(PiiCtx)) : &pii_shared;
    if (x == NULL)
        PyErr_NoMemory();
    else {
        x->save = NULL;
        x->collect = 0;
        x->runs = NULL;
        x->answers = NULL;
        if (x == &pii_shared)
            pii_busy = 1;
    }
    return x;
}

static void
pii_give(PiiCtx *x)
{
    if (x == &pii_shared)
        pii_busy = 0;
    else
        PyMem_Free(x);
}

static void
pii_start(PiiCtx *x, const unsigned char *t, Py_ssize_t n, int types, int regions,
          PyObject *phone)
{
    x->t = t;
    x->n = n;
    x->types = types;
    x->regions = regions;
    x->unsure = x->failed = 0;
    x->count = 0;
    x->phone = phone == Py_None ? NULL : phone;
}

static PyObject *
find_pii(PyObject *module, PyObject *args)
{
    Py_buffer view;
    long families, plan;
    int types, regions;
    PyObject *phone = Py_None;
    (void)module;
    if (!PyArg_ParseTuple(args, "y*llii|O:find_pii", &view, &families, &plan, &types, &regions,
                          &phone))
        return NULL;
    PiiCtx *x = pii_take();
    if (x == NULL) {
        PyBuffer_Release(&view);
        return NULL;
    }
    pii_start(x, view.buf, view.len, types, regions, phone);
    PyObject *result;
    int decided = pii_find(x, families, plan);
    if (x->failed)
        result = NULL;
    else if (!decided) {
        result = Py_None;
        Py_INCREF(result);
    } else if ((result = PyList_New(x->count)) != NULL) {
        for (int i = 0; i < x->count; i++) {
            PiiRaw *r = &x->raw[i];
            PyObject *item = Py_BuildValue("(nnis)", r->start, r->end, r->kind, r->detector);
            if (item == NULL) {
                Py_CLEAR(result);
                break;
            }
            PyList_SET_ITEM(result, i, item);
        }
    }
    pii_give(x);
    PyBuffer_Release(&view);
    return result;
}
