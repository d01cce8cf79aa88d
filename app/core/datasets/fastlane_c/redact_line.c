/* Part of _fastlane.c, compiled inside it (see its header): the PII text lane over a whole canonical line: redact_text() (no Python object, no GIL needed) and redact_line(). */

/* ---- the text lane (pii/textlane.py) over a whole canonical line ------------------------
   Each string of canonical text (ASCII, no backslash) is spelled literally between two
   quotes; a key is the one followed by ':'. Every value string of at least MIN_LENGTH
   characters goes through pii_find, and its findings are masked in place (a tag) or kept.
   Any string pii_find cannot decide, and any finding of a kind whose action is neither
   (pseudonymise, drop-record), leaves the line to Python's lane. */

#define PII_MIN_LENGTH 5 /* scanner.MIN_LENGTH */
#define PII_KINDS 9      /* native_find.KINDS */

/* Per kind code: mask with bytes[k] (len[k] bytes), keep (bytes[k] NULL, keep[k] 1), or
   leave the line to Python (neither). */
typedef struct {
    const char *bytes[PII_KINDS];
    size_t len[PII_KINDS];
    int keep[PII_KINDS];
} PiiTags;

typedef struct {
    size_t start, end;
    int kind;
} PiiEdit;

/* The tags of redact_line's tuple (bytes: mask, None: keep, else Python); 0, or a Python
   error set. The tuple outlives the tags. */
static int
pii_tags(PiiTags *tags, PyObject *tuple)
{
    memset(tags, 0, sizeof(*tags));
    Py_ssize_t count = PyTuple_GET_SIZE(tuple);
    for (Py_ssize_t k = 0; k < PII_KINDS && k < count; k++) {
        PyObject *tag = PyTuple_GET_ITEM(tuple, k);
        if (PyBytes_Check(tag)) {
            tags->bytes[k] = PyBytes_AS_STRING(tag);
            tags->len[k] = (size_t)PyBytes_GET_SIZE(tag);
        } else
            tags->keep[k] = tag == Py_None;
    }
    return 0;
}

/* The text lane over data[0..n): 0 when decided, with the kind code of every finding in
   the line's order appended to kinds and, when something was masked, the redacted line
   in out (cleared first; *edited 1) — else *edited 0 and the line stays as it is. SLOW:
   Python's lane decides. FAILED: out of memory, or x->failed (a Python error set by the
   phone check). Needs the GIL only for the phone check, which takes it (x->save). */
static int
redact_text(PiiCtx *x, const unsigned char *data, size_t n, long families, long plan,
            int types, int regions, PyObject *phone, const PiiTags *tags, Buf *edits,
            Buf *kinds, Buf *out, int *edited)
{
    const unsigned char *end = data + n, *at = data;
    size_t kinds_before = kinds->len, edit_count = 0;
    long delta = 0;
    edits->len = 0;
    *edited = 0;
    for (;;) {
        const unsigned char *open = memchr(at, '"', (size_t)(end - at));
        if (open == NULL)
            break;
        const unsigned char *text = open + 1;
        const unsigned char *close = memchr(text, '"', (size_t)(end - text));
        if (close == NULL)
            goto undecided; /* not canonical text: Python's lane says what is wrong */
        at = close + 1;
        Py_ssize_t len = close - text;
        if (len < PII_MIN_LENGTH || (at < end && *at == ':'))
            continue; /* too short for a finding, or a key (keys are not scanned) */
        pii_start(x, text, len, types, regions, phone);
        int sure = pii_find(x, families, plan);
        if (x->failed)
            return FAILED;
        if (!sure)
            goto undecided;
        for (int i = 0; i < x->count; i++) {
            PiiRaw *r = &x->raw[i];
            int kind = r->kind;
            if (kind < 0 || kind >= PII_KINDS)
                goto undecided;
            if (tags->bytes[kind] != NULL) {
                if (reserve(edits, sizeof(PiiEdit)) != 0)
                    return FAILED;
                PiiEdit *e = (PiiEdit *)(void *)(edits->data + edits->len);
                edits->len += sizeof(PiiEdit);
                e->start = (size_t)(text - data) + (size_t)r->start;
                e->end = (size_t)(text - data) + (size_t)r->end;
                e->kind = kind;
                delta += (long)tags->len[kind] - (long)(r->end - r->start);
                edit_count++;
            } else if (!tags->keep[kind])
                goto undecided; /* an action C does not apply */
            if (reserve(kinds, 1) != 0)
                return FAILED;
            kinds->data[kinds->len++] = (char)kind;
        }
    }
    if (edit_count == 0)
        return 0;
    out->len = 0;
    if (reserve(out, (size_t)((long)n + delta)) != 0)
        return FAILED;
    char *to = out->data;
    size_t from = 0;
    for (size_t i = 0; i < edit_count; i++) {
        const PiiEdit *e = (const PiiEdit *)(const void *)edits->data + i;
        memcpy(to, data + from, e->start - from);
        to += e->start - from;
        memcpy(to, tags->bytes[e->kind], tags->len[e->kind]);
        to += tags->len[e->kind];
        from = e->end;
    }
    memcpy(to, data + from, n - from);
    out->len = (size_t)((long)n + delta);
    *edited = 1;
    return 0;
undecided:
    kinds->len = kinds_before;
    return SLOW;
}

static PyObject *
redact_line(PyObject *module, PyObject *args)
{
    PyObject *canonical, *phone, *tuple;
    long families, plan;
    int types, regions;
    (void)module;
    if (!PyArg_ParseTuple(args, "O!lliiOO!:redact_line", &PyBytes_Type, &canonical, &families,
                          &plan, &types, &regions, &phone, &PyTuple_Type, &tuple))
        return NULL;
    PiiTags tags;
    pii_tags(&tags, tuple);
    Buf edits = {0}, kinds = {0}, out = {0};
    int edited = 0;
    PiiCtx *x = pii_take();
    if (x == NULL)
        return NULL;
    int status = redact_text(x, (const unsigned char *)PyBytes_AS_STRING(canonical),
                             (size_t)PyBytes_GET_SIZE(canonical), families, plan, types,
                             regions, phone, &tags, &edits, &kinds, &out, &edited);
    pii_give(x);
    PyObject *result = NULL, *line = NULL, *hash = NULL, *found = NULL;
    if (status == FAILED) {
        no_memory();
        goto done;
    }
    if (status == SLOW) {
        result = Py_None;
        Py_INCREF(result);
        goto done;
    }
    if ((found = PyBytes_FromStringAndSize(kinds.data, (Py_ssize_t)kinds.len)) == NULL)
        goto done;
    if (!edited) {
        result = PyTuple_Pack(3, canonical, Py_None, found);
        goto done;
    }
    if ((line = PyBytes_FromStringAndSize(out.data, (Py_ssize_t)out.len)) == NULL ||
        (hash = PyBytes_FromStringAndSize(NULL, 32)) == NULL)
        goto done;
    Hasher h;
    if (hasher_open(&h) < 0)
        goto done;
    int hashed = leaf(&h, out.data, out.len, (unsigned char *)PyBytes_AS_STRING(hash));
    hasher_close(&h);
    if (!hashed) {
        PyErr_SetString(PyExc_RuntimeError, "OpenSSL could not hash a line");
        goto done;
    }
    result = PyTuple_Pack(3, line, hash, found);
done:
    Py_XDECREF(line);
    Py_XDECREF(hash);
    Py_XDECREF(found);
    PyMem_RawFree(edits.data);
    PyMem_RawFree(kinds.data);
    PyMem_RawFree(out.data);
    return result;
}
