/* Part of _fastlane.c, compiled inside it (see its header): digit candidates and runs: dates, payment cards, national ids, phone numbers. */

static int psep(unsigned char c) { return c == '.' || c == '/' || c == '-'; }

/* Whether _DATE matches at i (a digit-run start) and ends before a non-digit or b. */
static int date_at(const unsigned char *t, Py_ssize_t i, Py_ssize_t b)
{
    Py_ssize_t len[3] = {0, 0, 0}, start[3];
    unsigned char sep[2] = {0, 0};
    int k = 0;
    Py_ssize_t p = i;
    while (k < 3) {
        Py_ssize_t q = prun(t, p, b, pd);
        if (q == p)
            break;
        start[k] = p;
        len[k++] = q - p;
        if (k == 3 || q + 1 >= b || !psep(t[q]) || !pd(t[q + 1]))
            break;
        sep[k - 1] = t[q];
        p = q + 1;
    }
    if (k >= 2 && len[0] == 4 && len[1] <= 2)
        return 1; /* [0-9]{4}[./-][0-9]{1,2}, the rest optional */
    if (k == 3 && len[0] <= 2 && len[1] <= 2 && (len[2] == 2 || len[2] == 4))
        return 1;
    if (k >= 2 && sep[0] == '/' && len[1] == 2 && date_month(t, start[0], len[0]))
        return 1;
    return 0;
}

/* _DATE.fullmatch(text[a:b]) */
static int date_full(const unsigned char *t, Py_ssize_t a, Py_ssize_t b)
{
    Py_ssize_t len[3], start[3];
    unsigned char sep[2] = {0, 0};
    int k = 0;
    Py_ssize_t p = a;
    for (;;) {
        Py_ssize_t q = prun(t, p, b, pd);
        if (q == p || k == 3)
            return 0;
        start[k] = p;
        len[k++] = q - p;
        if (q == b)
            break;
        if (!psep(t[q]) || k == 3)
            return 0;
        sep[k - 1] = t[q];
        p = q + 1;
    }
    if ((k == 2 || k == 3) && len[0] == 4 && len[1] <= 2 && (k == 2 || len[2] <= 2))
        return 1;
    if (k == 3 && len[0] <= 2 && len[1] <= 2 && (len[2] == 2 || len[2] == 4))
        return 1;
    if (k == 2 && sep[0] == '/' && len[1] == 2 && date_month(t, start[0], len[0]))
        return 1;
    return 0;
}

/* _HAS_DATE.search(text[a:b]) */
static int has_date(const unsigned char *t, Py_ssize_t a, Py_ssize_t b)
{
    for (Py_ssize_t i = a; i < b; i++)
        if (pd(t[i]) && (i == a || !pd(t[i - 1])) && date_at(t, i, b))
            return 1;
    return 0;
}

#define REGION_US 1
#define REGION_CA 2
#define REGION_GB 4
#define REGION_DE 8
#define REGION_FR 16
#define REGION_IN 32
#define REGION_BR 64

static int shape_is(const int *shape, int groups, const int *want, int wanted)
{
    if (groups != wanted)
        return 0;
    for (int i = 0; i < groups; i++)
        if (shape[i] != want[i])
            return 0;
    return 1;
}

static int ci_at(const unsigned char *t, Py_ssize_t i, Py_ssize_t stop, const char *w)
{
    for (; *w; w++, i++)
        if (i >= stop || (pa(t[i]) ? t[i] | 0x20 : t[i]) != (unsigned char)*w)
            return 0;
    return 1;
}

static int no_phone_tail(const unsigned char *t, Py_ssize_t i, Py_ssize_t stop)
{
    for (; i < stop; i++)
        if (!strchr(" :.#-", t[i]) || t[i] == 0)
            return 0;
    return 1;
}

/* _NO_PHONE_BEFORE.search(text[max(0, start - 32):start]): an order, invoice or case
   number's word right before a run. */
static int no_phone_before(const unsigned char *t, Py_ssize_t start)
{
    static const char *const words[] = {
        "isbn", "issn", "doi", "order", "invoice", "ticket", "ref", "reference", "tracking",
        "account", "acct", "customer", "case", "po", "sku", "serial", "epoch", "timestamp",
        "unix", "bestellung", "rechnung", "commande", "facture", "pedido", "nota", NULL};
    static const char *const suffixes[] = {"no.", "no", "number", "nr.", "nr", "#", "id", NULL};
    Py_ssize_t low = start - 32 > 0 ? start - 32 : 0;
    for (Py_ssize_t i = low; i < start; i++) {
        if (i > low && pw(t[i - 1])) /* \b: the slice starts at low */
            continue;
        for (int w = 0; words[w]; w++) {
            if (!ci_at(t, i, start, words[w]))
                continue;
            Py_ssize_t j = i + (Py_ssize_t)strlen(words[w]), k = j;
            if (no_phone_tail(t, j, start))
                return 1;
            while (k < start && t[k] == ' ')
                k++;
            for (int f = 0; suffixes[f]; f++)
                if (ci_at(t, k, start, suffixes[f]) &&
                    no_phone_tail(t, k + (Py_ssize_t)strlen(suffixes[f]), start))
                    return 1;
        }
    }
    return 0;
}

static size_t pii_run_hash(const char *run, size_t len)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)run[i];
        h *= 1099511628211ULL;
    }
    return (size_t)(h ^ (h >> 29));
}

/* The position of a run among those noted (x->runs), or -1. */
static Py_ssize_t pii_run_at(const PhoneRuns *runs, const char *run, Py_ssize_t len)
{
    if (runs->slots == NULL)
        return -1;
    const uint32_t *offsets = (const uint32_t *)(const void *)runs->offsets.data;
    for (size_t at = pii_run_hash(run, (size_t)len) & runs->mask;; at = (at + 1) & runs->mask) {
        uint32_t k = runs->slots[at];
        if (k == 0)
            return -1;
        const char *noted = runs->bytes.data + offsets[k - 1];
        if ((unsigned char)noted[0] == len && memcmp(noted + 1, run, (size_t)len) == 0)
            return (Py_ssize_t)k - 1;
    }
}

/* The index twice as large (at most half full after one more run); FAILED: no memory. */
static int pii_runs_grow(PhoneRuns *runs)
{
    size_t size = runs->slots != NULL ? 2 * (runs->mask + 1) : 256;
    uint32_t *slots = PyMem_RawCalloc(size, sizeof(uint32_t));
    if (slots == NULL)
        return FAILED;
    const uint32_t *offsets = (const uint32_t *)(const void *)runs->offsets.data;
    for (size_t k = 0; k < runs->count; k++) {
        const char *noted = runs->bytes.data + offsets[k];
        size_t at = pii_run_hash(noted + 1, (unsigned char)noted[0]) & (size - 1);
        while (slots[at] != 0)
            at = (at + 1) & (size - 1);
        slots[at] = (uint32_t)k + 1;
    }
    PyMem_RawFree(runs->slots);
    runs->slots = slots;
    runs->mask = size - 1;
    return 0;
}

static void pii_runs_free(PhoneRuns *runs)
{
    PyMem_RawFree(runs->bytes.data);
    PyMem_RawFree(runs->offsets.data);
    PyMem_RawFree(runs->slots);
}

/* The verdict on a run whose answer is known (x->answers), as pii_phone_verdict gives it;
   2 when it is not known. */
static int pii_known_verdict(PiiCtx *x, const char *run, Py_ssize_t len, const char **det)
{
    if (x->answers == NULL || x->runs == NULL)
        return 2;
    Py_ssize_t k = pii_run_at(x->runs, run, len);
    if (k < 0)
        return 2;
    const char *answer = x->answers->data + (size_t)k * 41;
    int verdict = answer[0] - 1;
    if (verdict == 1) {
        memcpy(x->phone_detector, answer + 1, 40);
        *det = x->phone_detector;
    }
    return verdict;
}

/* Note a run (once) for the phone check; FAILED when memory ran out. */
static int pii_note_run(PiiCtx *x, const char *run, Py_ssize_t len)
{
    PhoneRuns *runs = x->runs;
    if (pii_run_at(runs, run, len) >= 0)
        return 0;
    if (runs->count >= UINT32_MAX / 2 || runs->bytes.len > UINT32_MAX - 256)
        return FAILED; /* beyond the index's uint32 (a batch is a few MiB) */
    if ((runs->slots == NULL || 2 * (runs->count + 1) > runs->mask + 1) &&
        pii_runs_grow(runs) != 0)
        return FAILED;
    uint32_t offset = (uint32_t)runs->bytes.len;
    if (reserve(&runs->offsets, sizeof offset) != 0 ||
        reserve(&runs->bytes, (size_t)len + 1) != 0)
        return FAILED;
    memcpy(runs->offsets.data + runs->offsets.len, &offset, sizeof offset);
    runs->offsets.len += sizeof offset;
    runs->bytes.data[runs->bytes.len++] = (char)len;
    memcpy(runs->bytes.data + runs->bytes.len, run, (size_t)len);
    runs->bytes.len += (size_t)len;
    size_t at = pii_run_hash(run, (size_t)len) & runs->mask;
    while (runs->slots[at] != 0)
        at = (at + 1) & runs->mask;
    runs->slots[at] = (uint32_t)++runs->count;
    return 0;
}

/* _valid_region(run, None) through the scanner's own function (and its cache). */
static int pii_phone_verdict(PiiCtx *x, Py_ssize_t a, Py_ssize_t b, int rewrite, const char **det)
{
    char *detector = x->phone_detector;
    char run[64];
    Py_ssize_t len = 0;
    if (b - a > 60)
        return -1;
    if (rewrite) { /* "00 49 ..." is read as "+49 ..." */
        run[len++] = '+';
        a += 2;
    }
    memcpy(run + len, x->t + a, (size_t)(b - a));
    len += b - a;
    int known = pii_known_verdict(x, run, len, det);
    if (known != 2)
        return known;
    if (x->collect) { /* noted, for the batch's one call back into Python; the text is redone */
        if (pii_note_run(x, run, len) != 0) {
            x->failed = 1; /* out of memory */
            return -1;
        }
        x->deferred = 1;
        return 0;
    }
    if (x->save != NULL)
        PyEval_RestoreThread(*x->save);
    PyObject *found = PyObject_CallFunction(x->phone, "s#O", run, len, Py_None);
    if (found == NULL) {
        x->failed = 1; /* its error stays set for the caller */
        if (x->save != NULL)
            *x->save = PyEval_SaveThread();
        return -1;
    }
    int verdict = 0;
    if (found != Py_None) {
        Py_ssize_t size;
        const char *text = PyUnicode_Check(found) ? PyUnicode_AsUTF8AndSize(found, &size) : NULL;
        if (text == NULL || size >= (Py_ssize_t)sizeof x->phone_detector) {
            PyErr_Clear();
            verdict = -1;
        } else {
            memcpy(detector, text, (size_t)size + 1);
            *det = detector;
            verdict = 1;
        }
    }
    Py_DECREF(found);
    if (x->save != NULL)
        *x->save = PyEval_SaveThread();
    return verdict;
}

/* _classify over text[a:b]: 0 nothing, 1 found (*kind, *det), -1 only Python can tell. */
static int pii_classify(PiiCtx *x, Py_ssize_t a, Py_ssize_t b, int *kind, const char **det)
{
    const unsigned char *t = x->t;
    char d[20];
    int nd = 0, shape[64], ng = 0;
    char seps[8];
    int ns = 0;
    for (Py_ssize_t p = a; p < b;) {
        if (pd(t[p])) {
            Py_ssize_t q = prun(t, p, b, pd);
            if (ng == 64)
                return -1;
            shape[ng++] = (int)(q - p);
            for (Py_ssize_t i = p; i < q; i++) {
                if (nd < 20)
                    d[nd] = (char)t[i];
                nd++;
            }
            p = q;
            continue;
        }
        if (t[p] != ' ' && !memchr(seps, t[p], (size_t)ns)) {
            if (ns == 7)
                return -1;
            seps[ns++] = (char)t[p];
        }
        p++;
    }
    if (!ns && ng > 1)
        seps[ns++] = ' ';
    seps[ns] = 0;
    if (nd < 7 || date_full(t, a, b))
        return 0;
    if (nd > 19)
        return 0; /* longer than any card, identifier or phone number */
    if ((x->types & (1 << PK_CARD)) && nd >= 13 && t[a] != '+' && t[a] != '(' &&
        (ns == 0 || !strcmp(seps, " ") || !strcmp(seps, "-"))) {
        int ok = 1;
        if (ng > 1) {
            ok = shape[0] == 4;
            for (int i = 1; i < ng - 1; i++)
                ok &= 3 <= shape[i] && shape[i] <= 6;
        }
        const char *brand = ok ? card_brand_of(d, nd) : NULL;
        if (brand && luhn_ok(d, nd)) {
            *kind = PK_CARD;
            *det = brand;
            return 1;
        }
    }
    if (x->types & (1 << PK_NATIONAL)) {
        static const int s324[] = {3, 2, 4}, s3332[] = {3, 3, 3, 2}, s2333[] = {2, 3, 3, 3},
                         s444[] = {4, 4, 4}, s23342[] = {2, 3, 3, 4, 2}, s132[] = {13, 2},
                         snir[] = {1, 2, 2, 2, 3, 3, 2};
        const char *found = NULL;
        int bare = ng == 1;
        *kind = PK_NATIONAL;
        if (nd == 9) {
            if (shape_is(shape, ng, s324, 3) && (!strcmp(seps, "-") || !strcmp(seps, " ")))
                found = ssn_ok(d) ? "national_id:US-SSN" : NULL;
            else if (bare && ssn_ok(d))
                return -1; /* an SSN only after a naming word (_SSN_WORDS) */
            if (found) {
                *det = found;
                return 1;
            }
        } else if (nd == 11) {
            if (cpf_ok(d)) {
                if (shape_is(shape, ng, s3332, 4) && !strcmp(seps, ".-")) {
                    *det = "national_id:BR-CPF";
                    return 1;
                }
                if (bare)
                    return -1; /* a CPF only after a naming word */
            }
            if ((bare || shape_is(shape, ng, s2333, 4)) &&
                (ns == 0 || !strcmp(seps, " ") || !strcmp(seps, "/")) && steuer_ok(d)) {
                *det = "national_id:DE-STEUER-ID";
                return 1;
            }
        } else if (nd == 12) {
            if (shape_is(shape, ng, s444, 3) && (!strcmp(seps, " ") || !strcmp(seps, "-"))) {
                if (aadhaar_ok(d)) {
                    *det = "national_id:IN-AADHAAR";
                    return 1;
                }
            } else if (bare && aadhaar_ok(d))
                return -1;
        } else if (nd == 14) {
            if (shape_is(shape, ng, s23342, 5) && !strcmp(seps, "./-")) {
                if (cnpj_ok(d)) {
                    *det = "national_id:BR-CNPJ";
                    return 1;
                }
            } else if (bare && cnpj_ok(d))
                return -1;
        } else if (nd == 15 && (bare || shape_is(shape, ng, s132, 2) || shape_is(shape, ng, snir, 7)) &&
                   (ns == 0 || !strcmp(seps, " ")) && nir_ok(d)) {
            *det = "national_id:FR-NIR";
            return 1;
        }
    }
    if (!(x->types & (1 << PK_PHONE)))
        return 0;
    /* _phone's tests on the run itself; past them only phonenumbers can tell. */
    if (nd > 15 || (ng > 1 && shape[ng - 1] < 2))
        return 0;
    int international = t[a] == '+' || (t[a] == '(' && b - a > 1 && t[a + 1] == '+');
    int rewrite = 0;
    if (!international && t[a] == '0' && b - a > 1 && t[a + 1] == '0' && nd >= 10)
        international = rewrite = 1;
    if (!international && shape[0] == 1 && d[0] != '1')
        return 0;
    if (memchr(seps, '.', (size_t)ns) && strcmp(seps, "."))
        return 0;
    if (!international) {
        if (!strcmp(seps, ".") && ng == 2)
            return 0;
        int r = x->regions, plausible = 0;
        if (r & (REGION_US | REGION_CA))
            plausible |= (nd == 10 && d[0] != '0') || (nd == 11 && d[0] == '1');
        if (r & REGION_GB)
            plausible |= (nd == 10 || nd == 11) && d[0] == '0';
        if (r & REGION_DE)
            plausible |= nd <= 13 && d[0] == '0';
        if (r & REGION_FR)
            plausible |= nd == 10 && d[0] == '0';
        if (r & REGION_IN)
            plausible |= (nd == 10 && d[0] >= '6') || (nd == 11 && d[0] == '0');
        if (r & REGION_BR)
            plausible |= (nd == 10 || nd == 11) && d[0] != '0';
        if (!plausible)
            return 0;
    }
    if (no_phone_before(t, a))
        return 0;
    if (!international || x->phone == NULL)
        return -1; /* the phone words and each region's number plan: Python's */
    *kind = PK_PHONE;
    return pii_phone_verdict(x, a, b, rewrite, det);
}

/* _IBAN_BEFORE.search(text, max(0, start - 40), start) */
static int iban_before(const unsigned char *t, Py_ssize_t start)
{
    Py_ssize_t low = start - 40 > 0 ? start - 40 : 0, j = start - 1;
    if (j < low || t[j] != ' ')
        return 0;
    for (;;) {
        if (j - 4 >= low && pu(t[j - 4]) && pu(t[j - 3]) && pd(t[j - 2]) && pd(t[j - 1]))
            return 1;
        if (j - 5 >= low && t[j - 5] == ' ' && pud(t[j - 4]) && pud(t[j - 3]) && pud(t[j - 2]) &&
            pud(t[j - 1]))
            j -= 5;
        else
            return 0;
    }
}

static void pii_put(PiiCtx *x, Py_ssize_t a, Py_ssize_t b, int *state)
{
    int kind;
    const char *det;
    int got = pii_classify(x, a, b, &kind, &det);
    if (got < 0)
        x->unsure = 1;
    else if (got)
        pii_add(x, a, b, kind, det);
    *state = got;
}

static int all_digits(const unsigned char *t, Py_ssize_t a, Py_ssize_t b)
{
    if (a == b)
        return 0;
    for (Py_ssize_t i = a; i < b; i++)
        if (!pd(t[i]))
            return 0;
    return 1;
}

/* digits._greedy */
static void pii_greedy(PiiCtx *x, const Py_ssize_t *pc, int count)
{
    const unsigned char *t = x->t;
    int first = 0;
    while (first < count && !x->unsure) {
        int matched = 0, top = first + 8 < count ? first + 8 : count;
        for (int last = top; last > first; last--) {
            Py_ssize_t s = pc[2 * first], e = pc[2 * (last - 1) + 1];
            if (e - s < 7)
                break;
            if (last < count && all_digits(t, pc[2 * last], pc[2 * last + 1]))
                continue;
            int got;
            pii_put(x, s, e, &got);
            if (got < 0)
                return;
            if (got) {
                matched = last;
                break;
            }
        }
        if (matched)
            first = matched;
        else if (pc[2 * first + 1] - pc[2 * first] <= 3 && t[pc[2 * first]] != '+')
            first++;
        else
            return;
    }
}

/* digits._read_run */
static void pii_read_run(PiiCtx *x, Py_ssize_t start, Py_ssize_t end)
{
    const unsigned char *t = x->t;
    if (end - start < 7)
        return;
    if (t[start] == '(' && t[start + 1] == '+')
        start++;
    if (!memchr(t + start, ' ', (size_t)(end - start))) {
        int got;
        pii_put(x, start, end, &got);
        return;
    }
    int after_iban = iban_before(t, start);
    if (!after_iban && !has_date(t, start, end)) {
        int got;
        pii_put(x, start, end, &got);
        if (got)
            return;
    }
    Py_ssize_t pieces[2 * PII_MAX_PIECES], part[2 * PII_MAX_PIECES];
    int np = 0, nparts = 0, first = 0;
    for (Py_ssize_t p = start; p < end;) {
        if (t[p] == ' ') {
            p++;
            continue;
        }
        Py_ssize_t q = p;
        while (q < end && t[q] != ' ')
            q++;
        if (np == PII_MAX_PIECES) {
            x->unsure = 1;
            return;
        }
        pieces[2 * np] = p;
        pieces[2 * np + 1] = q;
        np++;
        p = q;
    }
    if (after_iban)
        while (first < np && pieces[2 * first + 1] - pieces[2 * first] <= 4)
            first++;
    for (int i = first; i < np && !x->unsure; i++) {
        Py_ssize_t a = pieces[2 * i], b = pieces[2 * i + 1];
        int digit = 0;
        for (Py_ssize_t k = a; k < b; k++)
            digit |= pd(t[k]);
        if (!digit || date_full(t, a, b)) {
            pii_greedy(x, part, nparts);
            nparts = 0;
        } else {
            part[2 * nparts] = a;
            part[2 * nparts + 1] = b;
            nparts++;
        }
    }
    if (!x->unsure)
        pii_greedy(x, part, nparts);
}

static void pii_digit_runs(PiiCtx *x, const Py_ssize_t *spans, int count)
{
    for (int i = 0; i < count && !x->unsure; i++) {
        Py_ssize_t lim = spans[2 * i + 1] + 1 < x->n ? spans[2 * i + 1] + 1 : x->n;
        Py_ssize_t p = spans[2 * i] - 2 > 0 ? spans[2 * i] - 2 : 0;
        while (p < lim && !x->unsure) {
            Py_ssize_t end = dr_match(x->t, p, lim);
            if (end < 0) {
                p++;
                continue;
            }
            pii_read_run(x, p, end);
            p = end;
        }
    }
}

/* -- IBAN: detectors.find_ibans, IBAN, checksums.iban_valid ----------------------------- */

static const char iban_countries[] =
    "AD24AE23AL28AT20AZ28BA20BE16BG22BH22BR29BY28CH21CR22CY28CZ24DE22DK18DO28EE20EG29ES24"
    "FI18FO18FR27GB22GE22GI23GL18GR27GT28HR21HU28IE22IL23IQ23IS26IT27JO30KW30KZ20LB28LC32"
    "LI21LT20LU20LV21LY25MC27MD24ME22MK19MR27MT31MU30NL18NO15PK24PL28PS29PT25QA29RO24SA24"
    "SC31SE24SI19SK24SM27ST25SV28TL23TN24TR26UA29VA22VG24XK20";

static int iban_length(unsigned char a, unsigned char b)
{
    for (const char *p = iban_countries; *p; p += 4)
        if (p[0] == a && p[1] == b)
            return (p[2] - '0') * 10 + (p[3] - '0');
    return 0;
}
