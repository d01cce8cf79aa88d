/* Part of _fastlane.c, compiled inside it (see its header): redact_line(): the PII text lane over a whole canonical line. */

/* ---- redact_line: the text lane (pii/textlane.py) over a whole canonical line ------------
   Each string of canonical text (ASCII, no backslash) is spelled literally between two
   quotes; a key is the one followed by ':'. Every value string of at least MIN_LENGTH
   characters goes through pii_find, and its findings are masked in place (tags[kind] bytes)
   or kept (tags[kind] None). Any string pii_find cannot decide, and any finding of a kind
   whose tag is neither (pseudonymise, drop-record), answers None: Python's lane decides. */

#define PII_MIN_LENGTH 5 /* scanner.MIN_LENGTH */

typedef struct {
    Py_ssize_t start, end;
    PyObject *tag;
} PiiEdit;

/* Append one item to a PyMem array growing by doubling; 0, or a Python error set. */
static int
grow(void **items, Py_ssize_t *cap, Py_ssize_t count, size_t size)
{
    if (count < *cap)
        return 0;
    Py_ssize_t wanted = *cap ? 2 * *cap : 8;
    void *bigger = PyMem_Realloc(*items, (size_t)wanted * size);
    if (bigger == NULL) {
        PyErr_NoMemory();
        return FAILED;
    }
    *items = bigger;
    *cap = wanted;
    return 0;
}

static PyObject *
redact_line(PyObject *module, PyObject *args)
{
    PyObject *canonical, *phone, *tags;
    long families, plan;
    int types, regions;
    (void)module;
    if (!PyArg_ParseTuple(args, "O!lliiOO!:redact_line", &PyBytes_Type, &canonical, &families,
                          &plan, &types, &regions, &phone, &PyTuple_Type, &tags))
        return NULL;
    Py_ssize_t tag_count = PyTuple_GET_SIZE(tags);
    const unsigned char *data = (const unsigned char *)PyBytes_AS_STRING(canonical);
    const unsigned char *end = data + PyBytes_GET_SIZE(canonical), *at = data;
    PiiEdit *edits = NULL;
    unsigned char *kinds = NULL;
    Py_ssize_t edit_count = 0, edit_cap = 0, kind_count = 0, kind_cap = 0, delta = 0;
    int decided = 1, failed = 0;
    PiiCtx *x = pii_take();
    if (x == NULL)
        return NULL;
    for (;;) {
        const unsigned char *open = memchr(at, '"', (size_t)(end - at));
        if (open == NULL)
            break;
        const unsigned char *text = open + 1;
        const unsigned char *close = memchr(text, '"', (size_t)(end - text));
        if (close == NULL) {
            decided = 0; /* not canonical text: Python's lane says what is wrong */
            break;
        }
        at = close + 1;
        Py_ssize_t n = close - text;
        if (n < PII_MIN_LENGTH || (at < end && *at == ':'))
            continue; /* too short for a finding, or a key (keys are not scanned) */
        pii_start(x, text, n, types, regions, phone);
        int sure = pii_find(x, families, plan);
        if (x->failed) {
            failed = 1;
            break;
        }
        if (!sure) {
            decided = 0;
            break;
        }
        for (int i = 0; i < x->count && decided; i++) {
            PiiRaw *r = &x->raw[i];
            PyObject *tag = r->kind < tag_count ? PyTuple_GET_ITEM(tags, r->kind) : NULL;
            if (tag != NULL && PyBytes_Check(tag)) {
                if (grow((void **)&edits, &edit_cap, edit_count, sizeof(PiiEdit)) < 0) {
                    failed = 1;
                    break;
                }
                PiiEdit *e = &edits[edit_count++];
                e->start = (text - data) + r->start;
                e->end = (text - data) + r->end;
                e->tag = tag;
                delta += PyBytes_GET_SIZE(tag) - (r->end - r->start);
            } else if (tag != Py_None)
                decided = 0; /* an action C does not apply */
            if (decided) {
                if (grow((void **)&kinds, &kind_cap, kind_count, 1) < 0) {
                    failed = 1;
                    break;
                }
                kinds[kind_count++] = (unsigned char)r->kind;
            }
        }
        if (failed || !decided)
            break;
    }
    pii_give(x);
    PyObject *result = NULL, *line = NULL, *hash = NULL, *found = NULL;
    if (failed)
        goto done;
    if (!decided) {
        result = Py_None;
        Py_INCREF(result);
        goto done;
    }
    if ((found = PyBytes_FromStringAndSize((const char *)kinds, kind_count)) == NULL)
        goto done;
    if (edit_count == 0) {
        result = PyTuple_Pack(3, canonical, Py_None, found);
        goto done;
    }
    Py_ssize_t size = PyBytes_GET_SIZE(canonical) + delta;
    if ((line = PyBytes_FromStringAndSize(NULL, size)) == NULL)
        goto done;
    char *out = PyBytes_AS_STRING(line);
    Py_ssize_t from = 0;
    for (Py_ssize_t i = 0; i < edit_count; i++) {
        PiiEdit *e = &edits[i];
        Py_ssize_t tag_len = PyBytes_GET_SIZE(e->tag);
        memcpy(out, data + from, (size_t)(e->start - from));
        out += e->start - from;
        memcpy(out, PyBytes_AS_STRING(e->tag), (size_t)tag_len);
        out += tag_len;
        from = e->end;
    }
    memcpy(out, data + from, (size_t)(end - data - from));
    if ((hash = PyBytes_FromStringAndSize(NULL, 32)) == NULL)
        goto done;
    Hasher h;
    if (hasher_open(&h) < 0)
        goto done;
    int hashed = leaf(&h, PyBytes_AS_STRING(line), (size_t)size,
                      (unsigned char *)PyBytes_AS_STRING(hash));
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
    PyMem_Free(edits);
    PyMem_Free(kinds);
    return result;
}
