/* Part of _fastlane.c, compiled inside it (see its header): one line's canonical bytes, its Merkle leaf, scan() over a batch, merkle_pairs(). */

/* The canonical bytes of one line into p->out, or SLOW, or FAILED (out of memory, or with
   the GIL a Python error set: see no_memory). */
static int
scan_line(Lane *p, const unsigned char *line, size_t n, uint32_t *keys)
{
    p->line = line;
    p->n = n;
    p->pos = 0;
    p->used = 0;
    p->floats.len = 0;
    p->top = 0;
    p->candidate = 0;
    p->spaced = 0;
    p->escaped = 0;
    p->out.len = 0;
    skip_space(p);
    if (p->pos >= n || line[p->pos] != '{')
        return SLOW;
    uint32_t root;
    int status = parse_value(p, &root, 0);
    if (status != 0)
        return status;
    skip_space(p);
    if (p->pos != n)
        return SLOW;
    if (reserve(&p->out, n + p->floats.len) != 0)
        return FAILED;
    if (grow_orders(p) != 0)
        return FAILED;
    *keys = p->nodes[root].count;
    status = write_value(p, root);
    /* Every canonical text given out is ASCII without a backslash (the stage's text lane
       reads its strings between quotes): a string that still needs an escape once
       normalised (a line break, a quote, a control character) goes the full way. */
    if (status == 0 && p->escaped && memchr(p->out.data, '\\', p->out.len) != NULL)
        return SLOW;
    return status;
}

/* MemoryError, unless a Python error says what failed already (call with the GIL). */
static void
no_memory(void)
{
    if (!PyErr_Occurred())
        PyErr_NoMemory();
}

static void
lane_free(Lane *p)
{
    PyMem_RawFree(p->nodes);
    PyMem_RawFree(p->order);
    PyMem_RawFree(p->spare);
    PyMem_RawFree(p->floats.data);
    PyMem_RawFree(p->out.data);
    PyMem_RawFree(p->padded.data);
    PyMem_RawFree(p->text.data);
}

/* SHA-256: OpenSSL's own functions (SHA256_Init and co., deprecated in OpenSSL 3 but kept)
   cost a fifth less than EVP's for a record of a kilobyte, the same code underneath; a
   build of OpenSSL without its deprecated functions hashes through EVP. */
#if defined(OPENSSL_NO_DEPRECATED_3_0) || defined(OPENSSL_NO_DEPRECATED)
#define EVP_ONLY 1
#else
#define EVP_ONLY 0
#endif

typedef struct {
#if EVP_ONLY
    EVP_MD_CTX *ctx;
    const EVP_MD *md;
#else
    SHA256_CTX ctx;
#endif
} Hasher;

#if EVP_ONLY && OPENSSL_VERSION_NUMBER >= 0x30000000L
/* fetched once: OpenSSL 3 looks EVP_sha256() up again at each use */
static EVP_MD *sha256_md = NULL;
#endif

/* Ready to hash, or a Python error set. */
static int
hasher_open(Hasher *h)
{
#if EVP_ONLY
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    if (sha256_md == NULL)
        sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
    h->md = sha256_md;
#else
    h->md = EVP_sha256();
#endif
    h->ctx = NULL;
    if (h->md == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "OpenSSL has no SHA-256");
        return FAILED;
    }
    if ((h->ctx = EVP_MD_CTX_new()) == NULL) {
        PyErr_NoMemory();
        return FAILED;
    }
#else
    (void)h;
#endif
    return 0;
}

static void
hasher_close(Hasher *h)
{
#if EVP_ONLY
    EVP_MD_CTX_free(h->ctx);
    h->ctx = NULL;
#else
    (void)h;
#endif
}

/* SHA-256 of a || b into out; 0 when OpenSSL fails. */
static int
digest2(Hasher *h, const void *a, size_t a_len, const void *b, size_t b_len,
        unsigned char *out)
{
#if EVP_ONLY
    return EVP_DigestInit_ex(h->ctx, h->md, NULL) && EVP_DigestUpdate(h->ctx, a, a_len) &&
           (b_len == 0 || EVP_DigestUpdate(h->ctx, b, b_len)) &&
           EVP_DigestFinal_ex(h->ctx, out, NULL);
#else
    return SHA256_Init(&h->ctx) && SHA256_Update(&h->ctx, a, a_len) &&
           (b_len == 0 || SHA256_Update(&h->ctx, b, b_len)) && SHA256_Final(out, &h->ctx);
#endif
}

/* The Merkle leaf of canonical bytes: SHA-256(0x00 || SHA-256(data)) (RFC 6962). */
static int
leaf(Hasher *h, const char *data, size_t len, unsigned char *out)
{
    unsigned char inner[33];
    inner[0] = 0;
    return digest2(h, data, len, NULL, 0, inner + 1) && digest2(h, inner, 33, NULL, 0, out);
}

static PyObject *
scan(PyObject *module, PyObject *args)
{
    Py_buffer view;
    PyObject *anchors, *canonical = NULL, *families = NULL, *leaves = NULL, *special = NULL;
    PyObject *starts = NULL;
    PyObject *result = NULL;
    Py_ssize_t max_line;
    int want_families, want_leaves;
    (void)module;
    if (!PyArg_ParseTuple(args, "y*O!npp:scan", &view, &PyTuple_Type, &anchors, &max_line,
                          &want_families, &want_leaves))
        return NULL;
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(anchors); k++) {
        if (!PyBytes_Check(PyTuple_GET_ITEM(anchors, k))) {
            PyBuffer_Release(&view);
            PyErr_SetString(PyExc_TypeError, "scan: anchors must be bytes");
            return NULL;
        }
    }
    const unsigned char *data = view.buf, *end = data + view.len;
    Lane lane;
    memset(&lane, 0, sizeof(lane));
    lane.want_families = want_families;
    Named named;
    name_words(&named, anchors);
    lane.named = &named;
    Hasher hasher;
    int hashing = 0;

    Py_ssize_t lines = 0;
    for (const unsigned char *at = data; at < end; lines++) {
        const unsigned char *newline = memchr(at, '\n', (size_t)(end - at));
        at = newline ? newline + 1 : end;
    }
    canonical = PyList_New(lines);
    families = PyBytes_FromStringAndSize(NULL, lines);
    leaves = PyBytes_FromStringAndSize(NULL, lines * 32);
    special = PyList_New(0);
    starts = PyBytes_FromStringAndSize(NULL, (lines + 1) * (Py_ssize_t)sizeof(uint64_t));
    if (canonical == NULL || families == NULL || leaves == NULL || special == NULL ||
        starts == NULL)
        goto done;
    if (want_leaves) {
        if (hasher_open(&hasher) != 0)
            goto done;
        hashing = 1;
    }
    unsigned char *family = (unsigned char *)PyBytes_AS_STRING(families);
    unsigned char *leaf_at = (unsigned char *)PyBytes_AS_STRING(leaves);
    uint64_t *start = (uint64_t *)PyBytes_AS_STRING(starts);
    memset(family, 0, (size_t)lines);
    memset(leaf_at, 0, (size_t)lines * 32);
    const unsigned char *at = data;
    for (Py_ssize_t i = 0; i < lines; i++) {
        const unsigned char *newline = memchr(at, '\n', (size_t)(end - at));
        size_t n = (size_t)((newline ? newline : end) - at);
        const unsigned char *line = at;
        start[i] = (uint64_t)(line - data);
        at = newline ? newline + 1 : end;
        int status = SLOW;
        uint32_t keys = 0;
        if (n <= (size_t)max_line && n < UINT32_MAX / 2) {
            status = scan_line(&lane, line, n, &keys);
        }
        if (status == FAILED) {
            no_memory();
            goto done;
        }
        PyObject *item = Py_None;
        if (status == 0) {
            item = PyBytes_FromStringAndSize(lane.out.data, (Py_ssize_t)lane.out.len);
            if (item == NULL)
                goto done;
            int found = ALL_FAMILIES;
            if (want_families && lane.spaced) {
                /* The Python lane looks at the record's canonical text once normalised. */
                lane.line = (const unsigned char *)lane.out.data;
                lane.n = lane.out.len;
                lane.candidate = candidate_in_strings(lane.line, lane.n);
                found = line_families(&lane, keys, anchors);
            }
            else if (want_families) {
                found = line_families(&lane, keys, anchors);
            }
            if (found != FAILED && lane.spaced)
                found |= NORMALIZED;
            if (found == FAILED) {
                Py_DECREF(item);
                no_memory();
                goto done;
            }
            family[i] = (unsigned char)found;
            if (want_leaves &&
                !leaf(&hasher, lane.out.data, lane.out.len, leaf_at + 32 * (size_t)i)) {
                Py_DECREF(item);
                PyErr_SetString(PyExc_RuntimeError, "scan: SHA-256 failed");
                goto done;
            }
        }
        else {
            Py_INCREF(item);
        }
        PyList_SET_ITEM(canonical, i, item);
        if (status != 0 || (family[i] & ALL_FAMILIES) != 0) {
            PyObject *number = PyLong_FromSsize_t(i);
            if (number == NULL || PyList_Append(special, number) != 0) {
                Py_XDECREF(number);
                goto done;
            }
            Py_DECREF(number);
        }
    }
    /* line i is data[start[i]:start[i + 1] - 1], the last one too */
    start[lines] = (uint64_t)view.len + (lines && end[-1] != '\n');
    result = PyTuple_Pack(5, canonical, families, leaves, special, starts);
done:
    Py_XDECREF(canonical);
    Py_XDECREF(families);
    Py_XDECREF(leaves);
    Py_XDECREF(special);
    Py_XDECREF(starts);
    if (hashing)
        hasher_close(&hasher);
    lane_free(&lane);
    PyBuffer_Release(&view);
    return result;
}

/* RFC 6962 interior nodes, one level: pairs of 32-byte nodes in, SHA-256(0x01 || left ||
   right) of each out. The parent folds a batch's leaves into its Merkle tree with this, a
   level per call, instead of a Python call per node. */
static PyObject *
merkle_pairs(PyObject *module, PyObject *arg)
{
    static const unsigned char interior = 1;
    Py_buffer view;
    Hasher hasher;
    (void)module;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) != 0)
        return NULL;
    if (view.len % 64 != 0) {
        PyErr_Format(PyExc_ValueError,
                     "merkle_pairs: %zd bytes are not pairs of 32-byte nodes (a multiple of 64)",
                     view.len);
        PyBuffer_Release(&view);
        return NULL;
    }
    Py_ssize_t pairs = view.len / 64;
    PyObject *result = PyBytes_FromStringAndSize(NULL, pairs * 32);
    if (result == NULL || hasher_open(&hasher) != 0) {
        Py_XDECREF(result);
        PyBuffer_Release(&view);
        return NULL;
    }
    const unsigned char *in = view.buf;
    unsigned char *out = (unsigned char *)PyBytes_AS_STRING(result);
    int ok = 1;
    /* A batch's level (a few hundred pairs) is hashed holding the GIL: the parent that folds
       it is the pipeline's one sequential thread, and handing the GIL over and waiting for it
       back cost it more than the hashing. A large level lets other threads run. */
    PyThreadState *save = pairs > 4096 ? PyEval_SaveThread() : NULL;
    for (Py_ssize_t i = 0; i < pairs && ok; i++)
        ok = digest2(&hasher, &interior, 1, in + 64 * i, 64, out + 32 * i);
    if (save != NULL)
        PyEval_RestoreThread(save);
    hasher_close(&hasher);
    PyBuffer_Release(&view);
    if (!ok) {
        Py_DECREF(result);
        PyErr_SetString(PyExc_RuntimeError, "merkle_pairs: SHA-256 failed");
        return NULL;
    }
    return result;
}
