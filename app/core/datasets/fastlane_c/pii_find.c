/* Part of _fastlane.c, compiled inside it (see its header): find_pii's context, e-mail addresses and known-prefix tokens. */

/* ---- find_pii: the Python PII detectors over one ASCII string, where C can be sure ------
   The contract: for an ASCII string without control characters, find_pii returns exactly what
   PiiScanner.raw_findings(text, families) followed by resolve_overlaps returns, or None when
   some part of it would need Python (phonenumbers, a context-word regex, an entropy rule, a
   family not ported). Each function below ports one regex or check of app/core/datasets/pii
   and says which; "lim" is a search's endpos (characters at or past it do not exist for the
   pattern), while lookbehinds see the whole text, as re does. */

#define PK_EMAIL 0
#define PK_PHONE 1
#define PK_CARD 2
#define PK_IBAN 3
#define PK_IP 4
#define PK_NATIONAL 5
#define PK_SECRET 6
#define PII_MAX_RAW 128
#define PII_MAX_SPANS 256
#define PII_MAX_PIECES 128

typedef struct {
    Py_ssize_t start, end;
    int kind, order;
    char detector[40];
} PiiRaw;

/* The phone numbers a batch's first pass noted (prepare_lines): their bytes in order (a
   length byte, then the run) and an open-addressing index over them, so that noting and
   looking one up costs the same however many a batch holds (a list of contacts is a batch
   of distinct numbers: a search of every run noted made it quadratic). */
typedef struct {
    Buf bytes;
    Buf offsets;     /* uint32 a run: where it starts in bytes */
    uint32_t *slots; /* run number + 1, 0 for an empty slot; NULL before the first run */
    size_t mask;     /* slots - 1 */
    size_t count;
} PhoneRuns;

typedef struct {
    const unsigned char *t;
    Py_ssize_t n;
    int types, regions, unsure, failed, count;
    PyObject *phone; /* digits._valid_region, or NULL: an international number's verdict */
    PyThreadState **save; /* running without the GIL: where its thread state is kept while
                             the phone check takes the GIL back; NULL with the GIL held */
    char phone_detector[40]; /* the phone check's answer, until pii_add copies it */
    int collect;             /* the phone check is not asked but its run noted (runs) */
    int deferred;            /* a run was noted: the text is to be done again, answers known */
    PhoneRuns *runs;         /* the runs noted */
    const Buf *answers;      /* per run noted, in order: the verdict + 1, then 40 bytes of
                                detector (NULL: none known) */
    PiiRaw raw[PII_MAX_RAW], ranked[PII_MAX_RAW], kept[PII_MAX_RAW];
    Py_ssize_t spans[2 * PII_MAX_SPANS], windows[2 * PII_MAX_SPANS];
} PiiCtx;

static int pd(unsigned char c) { return c >= '0' && c <= '9'; }
static int pu(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static int pl(unsigned char c) { return c >= 'a' && c <= 'z'; }
static int pa(unsigned char c) { return pu(c) || pl(c); }
static int pan(unsigned char c) { return pd(c) || pa(c); }
static int pw(unsigned char c) { return pan(c) || c == '_'; }
static int ptok(unsigned char c) { return pw(c) || c == '-'; }
static int pud(unsigned char c) { return pu(c) || pd(c); }
static int plocal(unsigned char c)
{
    return pw(c) || c == '.' || c == '%' || c == '+' || c == '\'' || c == '-';
}

static void pii_add(PiiCtx *x, Py_ssize_t s, Py_ssize_t e, int kind, const char *det)
{
    if (x->count >= PII_MAX_RAW) {
        x->unsure = 1;
        return;
    }
    PiiRaw *r = &x->raw[x->count];
    r->start = s;
    r->end = e;
    r->kind = kind;
    r->order = x->count++;
    snprintf(r->detector, sizeof r->detector, "%s", det);
}

static Py_ssize_t prun(const unsigned char *t, Py_ssize_t p, Py_ssize_t lim,
                       int (*cls)(unsigned char))
{
    while (p < lim && cls(t[p]))
        p++;
    return p;
}

/* -- e-mail: detectors.find_emails / EMAIL, ASCII ------------------------------------- */

static const char *const not_tlds[] = {"png", "jpg",  "jpeg", "gif", "svg",  "webp",
                                       "bmp", "ico",  "tif",  "tiff", "psd", "heic", NULL};

static int pii_email_match(const unsigned char *t, Py_ssize_t start, Py_ssize_t at,
                           Py_ssize_t lim, Py_ssize_t *end, Py_ssize_t *tld)
{
    /* local part: [^\W_][\w%+'\-]*(?:\.[\w%+'\-]+)* then '@' (every char before at is local) */
    if (!pan(t[start]) || t[at - 1] == '.' || at >= lim)
        return 0;
    for (Py_ssize_t i = start; i + 1 < at; i++)
        if (t[i] == '.' && t[i + 1] == '.')
            return 0;
    Py_ssize_t after[64];
    int m = 0;
    Py_ssize_t p = at + 1;
    for (;;) { /* labels: [^\W_](?:[\w\-]{0,61}[^\W_])?\. */
        Py_ssize_t q = prun(t, p, lim, ptok);
        if (q < lim && t[q] == '.' && q - p >= 1 && q - p <= 63 && pan(t[p]) && pan(t[q - 1])) {
            if (m == 64)
                return -1;
            after[m++] = q + 1;
            p = q + 1;
        } else
            break;
    }
    for (int k = m - 1; k >= 0; k--) { /* (?P<tld>[^\W\d_]{2,63})(?![\w\-]|\.[^\W_]) */
        Py_ssize_t s = after[k], q = prun(t, s, lim, pa);
        if (q - s < 2 || q - s > 63)
            continue;
        if (q < lim && ptok(t[q]))
            continue;
        if (q + 1 < lim && t[q] == '.' && pan(t[q + 1]))
            continue;
        *end = q;
        *tld = s;
        return 1;
    }
    return 0;
}

static void pii_emails(PiiCtx *x)
{
    const unsigned char *t = x->t;
    Py_ssize_t n = x->n, done = 0;
    for (Py_ssize_t at = 0; at < n; at++) {
        const unsigned char *next = memchr(t + at, '@', (size_t)(n - at));
        if (next == NULL)
            break;
        at = next - t;
        if (at < done)
            continue;
        Py_ssize_t run = at + 1;
        while (run < n && (pw(t[run]) || t[run] == '.' || t[run] == '-'))
            run++;
        Py_ssize_t stop = run + 2 < n ? run + 2 : n;
        Py_ssize_t low = at - 64 > done ? at - 64 : done;
        Py_ssize_t start = at;
        while (start > low && plocal(t[start - 1]))
            start--;
        if (start == at || (start == low && low > 0 && plocal(t[low - 1])))
            continue;
        Py_ssize_t end, tld;
        int got = pii_email_match(t, start, at, stop, &end, &tld);
        if (got < 0) {
            x->unsure = 1;
            return;
        }
        if (!got)
            continue;
        done = end;
        char low_tld[8];
        int skip = 0;
        if (end - tld <= 4) {
            for (Py_ssize_t i = 0; i < end - tld; i++)
                low_tld[i] = (char)(t[tld + i] | 0x20);
            low_tld[end - tld] = 0;
            for (int i = 0; not_tlds[i]; i++)
                skip |= strcmp(low_tld, not_tlds[i]) == 0;
        }
        if (!skip)
            pii_add(x, start, end, PK_EMAIL, "email");
    }
}

/* -- known-prefix secrets: tokens.KNOWN_FORMATS / _find_known -------------------------- */

static const char *const fmt_prefixes[13][7] = {
    {"AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", NULL},
    {"ghp_", "gho_", "ghu_", "ghs_", "ghr_", NULL},
    {"github_pat_", NULL},
    {"glpat-", NULL},
    {"xox", NULL},
    {"hooks.slack.com", NULL},
    {"k_live_", "k_test_", NULL},
    {"AIza", NULL},
    {"sk-", NULL},
    {"hf_", NULL},
    {"npm_", NULL},
    {"SG.", NULL},
    {"eyJ", NULL},
};
static const int fmt_leads[13] = {0, 0, 0, 0, 0, 8, 1, 0, 0, 0, 0, 0, 0};
static const char *const fmt_detectors[13] = {
    "secret:aws-access-key", "secret:github-token",  "secret:github-token",
    "secret:gitlab-token",   "secret:slack-token",   "secret:slack-webhook",
    "secret:stripe-key",     "secret:google-api-key", "secret:api-key",
    "secret:huggingface-token", "secret:npm-token",  "secret:sendgrid-key",
    "secret:jwt",
};

static int pstarts(const unsigned char *t, Py_ssize_t n, Py_ssize_t at, const char *s)
{
    if (at < 0)
        return 0;
    for (; *s; s++, at++)
        if (at >= n || t[at] != (unsigned char)*s)
            return 0;
    return 1;
}

/* The end of format `f`'s match at `s`, or -1 (pattern.match(text, s)). */
static Py_ssize_t pii_format_at(const unsigned char *t, Py_ssize_t n, int f, Py_ssize_t s)
{
    int boundary = s == 0 || !ptok(t[s - 1]); /* _B */
    Py_ssize_t r, l;
    switch (f) {
    case 0:
        if (s > 0 && pan(t[s - 1]))
            return -1;
        r = prun(t, s + 4, n, pud);
        if (r - (s + 4) < 16 || (s + 20 < n && pan(t[s + 20])))
            return -1;
        return s + 20;
    case 1: case 2: case 6: case 9: case 10: {
        int skip = f == 1 ? 4 : f == 2 ? 11 : f == 6 ? 8 : f == 9 ? 3 : 4;
        int lo = f == 1 ? 36 : f == 2 ? 60 : f == 6 ? 16 : f == 9 ? 30 : 36;
        Py_ssize_t hi = f == 1 ? 251 : f == 2 ? 240 : f == 6 ? 247 : f == 9 ? PY_SSIZE_T_MAX : 36;
        if (!boundary || (f == 6 && t[s] != 's' && t[s] != 'r'))
            return -1;
        r = prun(t, s + skip, n, f == 2 ? pw : pan);
        l = r - (s + skip);
        if (l < lo || l > hi || (r < n && ptok(t[r])))
            return -1;
        return r;
    }
    case 3:
        if (!boundary)
            return -1;
        r = prun(t, s + 6, n, ptok);
        return r - (s + 6) >= 20 ? r : -1;
    case 4:
        if (!boundary || s + 4 >= n || !strchr("abposre", t[s + 3]) || t[s + 3] == 0 ||
            t[s + 4] != '-')
            return -1;
        for (r = s + 5; r < n && (pan(t[r]) || t[r] == '-'); r++)
            ;
        l = r - (s + 5);
        if (l < 10 || l > 250 || (r < n && ptok(t[r])))
            return -1;
        return r;
    case 5: {
        static const char head[] = "https://hooks.slack.com/services/T";
        if (!pstarts(t, n, s, head))
            return -1;
        Py_ssize_t p = s + (Py_ssize_t)strlen(head);
        r = prun(t, p, n, pud);
        if (r == p || r + 1 >= n || t[r] != '/' || t[r + 1] != 'B')
            return -1;
        p = r + 2;
        r = prun(t, p, n, pud);
        if (r == p || r >= n || t[r] != '/')
            return -1;
        p = r + 1;
        r = prun(t, p, n, pan);
        return r - p >= 16 ? r : -1;
    }
    case 7:
        if (!boundary)
            return -1;
        r = prun(t, s + 4, n, ptok);
        return r - (s + 4) == 35 ? r : -1;
    case 8: {
        if (!boundary)
            return -1;
        int digit = 0, letter = 0;
        for (r = s + 3; r < n && ptok(t[r]); r++) {
            digit |= pd(t[r]);
            letter |= pa(t[r]);
        }
        return r - (s + 3) >= 20 && digit && letter ? r : -1;
    }
    case 11:
        if (!boundary)
            return -1;
        r = prun(t, s + 3, n, ptok);
        if (r - (s + 3) != 22 || r >= n || t[r] != '.')
            return -1;
        l = prun(t, r + 1, n, ptok);
        return l - (r + 1) == 43 ? l : -1;
    case 12: {
        if (s > 0 && (ptok(t[s - 1]) || t[s - 1] == '.'))
            return -1;
        r = prun(t, s + 3, n, ptok);
        if (r - (s + 3) < 8 || !pstarts(t, n, r, ".eyJ"))
            return -1;
        l = prun(t, r + 4, n, ptok);
        if (l - (r + 4) < 8 || l >= n || t[l] != '.')
            return -1;
        r = prun(t, l + 1, n, ptok);
        return r - (l + 1) >= 8 ? r : -1;
    }
    }
    return -1;
}

/* _find_known for every format. Every match holds a rarer character at a fixed place of
   its prefix ('_' of "ghp_", '-' of "sk-", 'J' of "eyJ"); one pass finds those, records
   where a format's prefix starts around them, then each format in turn matches at its
   places, its matches not overlapping, as the Python loop over formats does. A place
   Python tries and this pass skips ("xox" without its '-') cannot match. */
static const struct {
    unsigned char c;
    int format, offset;
} fmt_anchors[] = {
    {'A', 0, 0}, {'_', 1, 3}, {'_', 2, 6}, {'-', 3, 5}, {'-', 4, 4}, {'.', 5, 5},
    {'_', 6, 1}, {'A', 7, 0}, {'-', 8, 2}, {'_', 9, 2}, {'_', 10, 3}, {'.', 11, 2},
    {'J', 12, 2},
};

static void pii_known_secrets(PiiCtx *x)
{
    const unsigned char *t = x->t;
    Py_ssize_t n = x->n;
    Py_ssize_t at_of[64];
    int format_of[64], hits = 0;
    for (Py_ssize_t at = 0; at < n; at++) {
        unsigned char c = t[at];
        if (c != '_' && c != '-' && c != '.' && c != 'A' && c != 'J')
            continue;
        for (int a = 0; a < 13; a++) {
            if (fmt_anchors[a].c != c)
                continue;
            int f = fmt_anchors[a].format;
            Py_ssize_t p = at - fmt_anchors[a].offset;
            if (p < fmt_leads[f])
                continue;
            int hit = 0;
            for (int k = 0; fmt_prefixes[f][k] && !hit; k++)
                hit = pstarts(t, n, p, fmt_prefixes[f][k]);
            if (hit) {
                if (hits == 64) {
                    x->unsure = 1;
                    return;
                }
                at_of[hits] = p;
                format_of[hits++] = f;
            }
        }
    }
    for (int f = 0; f < 13 && hits; f++) {
        Py_ssize_t done = 0, end;
        for (int i = 0; i < hits; i++) {
            Py_ssize_t start = at_of[i] - fmt_leads[f];
            if (format_of[i] == f && start >= done && (end = pii_format_at(t, n, f, start)) >= 0) {
                done = end;
                pii_add(x, start, end, PK_SECRET, fmt_detectors[f]);
            }
        }
    }
}

/* -- digit candidates: digits.CANDIDATE.finditer -------------------------------------- */

static int pcand(unsigned char c) { return pd(c) || c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')'; }

static int pii_candidates(const unsigned char *t, Py_ssize_t n, Py_ssize_t *spans, int *count)
{
    int k = 0;
    Py_ssize_t p = 0;
    while (p < n) {
        if (!pd(t[p])) {
            p++;
            continue;
        }
        Py_ssize_t r = prun(t, p + 1, n, pcand), j = r - 1, end = -1;
        while (j >= p + 6 && !pd(t[j]))
            j--;
        if (j >= p + 6)
            end = j + 1;
        else if (p + 4 < n && pd(t[p + 1]) && pd(t[p + 2]) && pd(t[p + 3]) && pu(t[p + 4]))
            end = p + 5;
        if (end < 0) {
            p++;
            continue;
        }
        if (k == PII_MAX_SPANS)
            return -1;
        spans[2 * k] = p;
        spans[2 * k + 1] = end;
        k++;
        p = end;
    }
    *count = k;
    return 0;
}

static int pii_windows(const Py_ssize_t *spans, int count, Py_ssize_t before, Py_ssize_t after,
                       Py_ssize_t n, Py_ssize_t *out)
{
    int k = 0;
    for (int i = 0; i < count; i++) {
        Py_ssize_t s = spans[2 * i] - before, e = spans[2 * i + 1] + after;
        if (s < 0)
            s = 0;
        if (e > n)
            e = n;
        if (k && s <= out[2 * k - 1]) {
            if (e > out[2 * k - 1])
                out[2 * k - 1] = e;
        } else {
            out[2 * k] = s;
            out[2 * k + 1] = e;
            k++;
        }
    }
    return k;
}

/* -- checksums.py ---------------------------------------------------------------------- */

static int luhn_ok(const char *d, int len)
{
    int total = 0;
    for (int i = 0; i < len; i++) {
        int v = d[len - 1 - i] - '0';
        if (i % 2) {
            v *= 2;
            if (v > 9)
                v -= 9;
        }
        total += v;
    }
    return total % 10 == 0;
}

static int dnum(const char *d, int from, int to)
{
    int v = 0;
    for (int i = from; i < to; i++)
        v = v * 10 + (d[i] - '0');
    return v;
}

static const char *card_brand_of(const char *d, int len)
{
    int h2 = dnum(d, 0, 2), h3 = dnum(d, 0, 3), h4 = dnum(d, 0, 4);
    if (d[0] == '4')
        return len == 13 || len == 16 || len == 19 ? "card:visa" : NULL;
    if (((51 <= h2 && h2 <= 55) || (2221 <= h4 && h4 <= 2720)) && len == 16)
        return "card:mastercard";
    if (h2 == 34 || h2 == 37)
        return len == 15 ? "card:amex" : NULL;
    int long16 = 16 <= len && len <= 19;
    if (2200 <= h4 && h4 <= 2204 && long16)
        return "card:mir";
    if ((h4 == 6011 || (644 <= h3 && h3 <= 649) || h2 == 65) && long16)
        return "card:discover";
    if (3528 <= h4 && h4 <= 3589 && long16)
        return "card:jcb";
    if (((300 <= h3 && h3 <= 305) || h2 == 36 || h2 == 38 || h2 == 39) && 14 <= len && len <= 19)
        return "card:diners";
    if (h2 == 62 && long16)
        return "card:unionpay";
    if ((h4 == 5018 || h4 == 5020 || h4 == 5038 || h4 == 5893 || h4 == 6304 || h4 == 6759 ||
         h4 == 6761 || h4 == 6762 || h4 == 6763) && 12 <= len && len <= 19)
        return "card:maestro";
    return NULL;
}

static int all_same(const char *d, int len)
{
    for (int i = 1; i < len; i++)
        if (d[i] != d[0])
            return 0;
    return 1;
}

static int ssn_ok(const char *d)
{
    int area = dnum(d, 0, 3), group = dnum(d, 3, 5), serial = dnum(d, 5, 9);
    return 0 < area && area < 900 && area != 666 && group > 0 && serial > 0;
}

static int cpf_digit(const char *d, int count, int first_weight)
{
    int total = 0;
    for (int i = 0; i < count; i++)
        total += (d[i] - '0') * (first_weight - i);
    return total * 10 % 11 % 10;
}

static int cpf_ok(const char *d)
{
    if (all_same(d, 11))
        return 0;
    char buf[10];
    memcpy(buf, d, 9);
    int first = cpf_digit(buf, 9, 10);
    buf[9] = (char)('0' + first);
    int second = cpf_digit(buf, 10, 11);
    return d[9] - '0' == first && d[10] - '0' == second;
}

static int steuer_ok(const char *d)
{
    if (d[0] == '0')
        return 0;
    int counts[10] = {0}, repeated = 0, times = 0;
    for (int i = 0; i < 10; i++)
        counts[d[i] - '0']++;
    for (int i = 0; i < 10; i++)
        if (counts[i] > 1) {
            repeated++;
            times = counts[i];
        }
    if (repeated != 1 || times > 3)
        return 0;
    if (times == 3)
        for (int i = 0; i < 8; i++)
            if (d[i] == d[i + 1] && d[i + 1] == d[i + 2])
                return 0;
    int product = 10;
    for (int i = 0; i < 10; i++) {
        int total = (d[i] - '0' + product) % 10;
        if (total == 0)
            total = 10;
        product = total * 2 % 11;
    }
    int check = 11 - product;
    return d[10] - '0' == (check == 10 ? 0 : check);
}

static const int verhoeff_d[10][10] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5}, {2, 3, 4, 0, 1, 7, 8, 9, 5, 6},
    {3, 4, 0, 1, 2, 8, 9, 5, 6, 7}, {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
    {6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3}, {8, 7, 6, 5, 9, 3, 2, 1, 0, 4},
    {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}};
static const int verhoeff_p[8][10] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4}, {5, 8, 0, 3, 7, 9, 6, 1, 4, 2},
    {8, 9, 1, 6, 0, 4, 3, 5, 2, 7}, {9, 4, 5, 3, 1, 2, 7, 6, 8, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
    {2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8}};

static int aadhaar_ok(const char *d)
{
    if (d[0] == '0' || d[0] == '1')
        return 0;
    int check = 0;
    for (int i = 0; i < 12; i++)
        check = verhoeff_d[check][verhoeff_p[i % 8][d[11 - i] - '0']];
    return check == 0;
}

static int cnpj_ok(const char *d)
{
    static const int w[13] = {6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2};
    if (all_same(d, 14))
        return 0;
    char r[14];
    memcpy(r, d, 12);
    for (int round = 0; round < 2; round++) {
        int len = 12 + round, total = 0;
        const int *weights = round == 0 ? w + 1 : w;
        for (int i = 0; i < len; i++)
            total += (r[i] - '0') * weights[i];
        int rem = total % 11;
        r[len] = (char)('0' + (rem < 2 ? 0 : 11 - rem));
    }
    return r[12] == d[12] && r[13] == d[13];
}

static int nir_ok(const char *d)
{
    if (d[0] != '1' && d[0] != '2')
        return 0;
    int month = dnum(d, 3, 5);
    if (month < 1 || month > 12)
        return 0;
    long long head = 0;
    for (int i = 0; i < 13; i++)
        head = head * 10 + (d[i] - '0');
    return 97 - head % 97 == dnum(d, 13, 15);
}

/* -- digit runs: digits.DIGIT_RUN, _shape, _DATE, _card, classify_national, _phone -------- */

static Py_ssize_t dr_group(const unsigned char *t, Py_ssize_t q, Py_ssize_t lim)
{
    if (q >= lim)
        return -1;
    if (t[q] == '(') {
        Py_ssize_t r = q + 1;
        while (r < lim && pd(t[r]) && r - q - 1 < 5)
            r++;
        if (r == q + 1 || r >= lim || t[r] != ')')
            return -1;
        return r + 1;
    }
    if (!pd(t[q]))
        return -1;
    Py_ssize_t r = prun(t, q, lim, pd);
    if (r < lim && (pa(t[r]) || t[r] == '_' || t[r] == '@'))
        return -1;
    return r;
}

static Py_ssize_t dr_match(const unsigned char *t, Py_ssize_t p, Py_ssize_t lim)
{
    if (p > 0 && (pw(t[p - 1]) || strchr(".+-/#", t[p - 1]) != NULL) && t[p - 1] != 0)
        return -1;
    Py_ssize_t cur;
    if (t[p] == '+')
        cur = dr_group(t, p + 1, lim);
    else if (t[p] == '(' && p + 1 < lim && t[p + 1] == '+') {
        cur = dr_group(t, p + 2, lim);
        if (cur < 0)
            cur = dr_group(t, p, lim);
    } else
        cur = dr_group(t, p, lim);
    if (cur < 0)
        return -1;
    for (;;) {
        Py_ssize_t nx = -1, q = cur;
        if (q < lim && t[q] == ' ' && q + 1 < lim && (t[q + 1] == '-' || t[q + 1] == '/'))
            q++;
        if (q < lim && (t[q] == '-' || t[q] == '/')) {
            q++;
            if (q < lim && t[q] == ' ')
                nx = dr_group(t, q + 1, lim);
            if (nx < 0)
                nx = dr_group(t, q, lim);
        }
        if (nx < 0 && cur < lim && (t[cur] == ' ' || t[cur] == '.'))
            nx = dr_group(t, cur + 1, lim);
        if (nx < 0 && t[cur - 1] == ')')
            nx = dr_group(t, cur, lim);
        if (nx < 0 && cur < lim && t[cur] == '(')
            nx = dr_group(t, cur, lim);
        if (nx < 0)
            return cur;
        cur = nx;
    }
}

static int date_month(const unsigned char *t, Py_ssize_t p, Py_ssize_t len)
{
    if (len == 1)
        return t[p] >= '1';
    if (len != 2)
        return 0;
    if (t[p] == '0')
        return t[p + 1] >= '1';
    return t[p] == '1' && t[p + 1] <= '2';
}
