/* Part of _fastlane.c, compiled inside it (see its header): prepare_lines(): a whole batch of
   lines through the lane, the PII text lane and the leaf hashes, without the GIL. */

/* A line's status in prepare_lines' answer. */
enum { LINE_DONE = 0, LINE_SLOW = 1, LINE_FLAGGED = 2 };

typedef struct {
    int on; /* the text lane runs: else every line with families left is FLAGGED */
    long plan;
    int types, regions, gated;
    PyObject *phone;
    PiiTags tags;
} TextLaneArgs;

/* The text lane's arguments, (plan, types, regions, phone, tags, gated), or None; 0, or a
   Python error set. */
static int
text_lane_args(TextLaneArgs *args, PyObject *given)
{
    memset(args, 0, sizeof(*args));
    if (given == Py_None)
        return 0;
    PyObject *tags;
    if (!PyArg_ParseTuple(given, "liiOO!p:prepare_lines text lane", &args->plan, &args->types,
                          &args->regions, &args->phone, &PyTuple_Type, &tags, &args->gated))
        return FAILED;
    pii_tags(&args->tags, tags);
    args->on = 1;
    return 0;
}

typedef struct {
    const unsigned char *data, *end;
    Py_ssize_t lines;
    size_t max_line;
    int want_families;
    PyObject *anchors;
    const TextLaneArgs *lane_args;
    /* out, one entry a line */
    uint64_t *ends, *starts;
    uint32_t *kind_ends;
    unsigned char *leaves, *status, *families;
    Buf text, kinds;
    PyThreadState *save;
} Batch;

/* The batch's lines; FAILED when memory ran out or a Python error is set (x->failed). */
static int
prepare_batch(Batch *b, Lane *lane, PiiCtx *x, Hasher *hasher)
{
    Buf edits = {0}, redacted = {0};
    const TextLaneArgs *t = b->lane_args;
    const unsigned char *at = b->data;
    int failed = 0;
    for (Py_ssize_t i = 0; i < b->lines && !failed; i++) {
        const unsigned char *newline = memchr(at, '\n', (size_t)(b->end - at));
        size_t n = (size_t)((newline ? newline : b->end) - at);
        const unsigned char *line = at;
        b->starts[i] = (uint64_t)(line - b->data);
        at = newline ? newline + 1 : b->end;
        unsigned char *leaf_at = b->leaves + 32 * (size_t)i;
        int status = SLOW;
        uint32_t keys = 0;
        if (n <= b->max_line && n < UINT32_MAX / 2)
            status = scan_line(lane, line, n, &keys);
        int found = 0, state = LINE_SLOW;
        const char *final = NULL;
        size_t final_len = 0;
        if (status == FAILED) {
            failed = 1;
            break;
        }
        if (status == 0) {
            found = ALL_FAMILIES;
            if (b->want_families && lane->spaced) {
                lane->line = (const unsigned char *)lane->out.data;
                lane->n = lane->out.len;
                lane->candidate = candidate_in_strings(lane->line, lane->n);
                found = line_families(lane, keys, b->anchors);
            } else if (b->want_families)
                found = line_families(lane, keys, b->anchors);
            if (found == FAILED) {
                failed = 1;
                break;
            }
            if (lane->spaced)
                found |= NORMALIZED;
            final = lane->out.data;
            final_len = lane->out.len;
            state = LINE_DONE;
            if (found & ALL_FAMILIES) {
                state = LINE_FLAGGED;
                if (t->on) {
                    int edited = 0;
                    long wanted = t->gated ? (found & ALL_FAMILIES) : ALL_FAMILIES;
                    int decided = redact_text(x, (const unsigned char *)final, final_len, wanted,
                                              t->plan, t->types, t->regions, t->phone, &t->tags,
                                              &edits, &b->kinds, &redacted, &edited);
                    if (decided == FAILED) {
                        failed = 1;
                        break;
                    }
                    if (decided == 0) {
                        state = LINE_DONE;
                        if (edited) {
                            final = redacted.data;
                            final_len = redacted.len;
                        }
                    }
                }
            }
            if (reserve(&b->text, final_len + 1) != 0) {
                failed = 1;
                break;
            }
            memcpy(b->text.data + b->text.len, final, final_len);
            b->text.len += final_len;
            b->text.data[b->text.len++] = '\n';
            if (!leaf(hasher, final, final_len, leaf_at)) {
                failed = 1;
                break;
            }
        } else
            memset(leaf_at, 0, 32);
        b->status[i] = (unsigned char)state;
        b->families[i] = (unsigned char)found;
        b->ends[i] = (uint64_t)b->text.len;
        b->kind_ends[i] = (uint32_t)b->kinds.len;
    }
    b->starts[b->lines] = (uint64_t)(b->end - b->data) + (b->lines && b->end[-1] != '\n');
    PyMem_RawFree(edits.data);
    PyMem_RawFree(redacted.data);
    return failed ? FAILED : 0;
}

static PyObject *
prepare_lines(PyObject *module, PyObject *args)
{
    Py_buffer view;
    PyObject *anchors, *lane_given;
    Py_ssize_t max_line;
    int want_families;
    (void)module;
    if (!PyArg_ParseTuple(args, "y*O!npO:prepare_lines", &view, &PyTuple_Type, &anchors,
                          &max_line, &want_families, &lane_given))
        return NULL;
    PyObject *ends = NULL, *starts = NULL, *kind_ends = NULL, *leaves = NULL, *status = NULL;
    PyObject *families = NULL, *text = NULL, *kinds = NULL, *result = NULL;
    TextLaneArgs lane_args;
    Lane lane;
    memset(&lane, 0, sizeof(lane));
    Batch b;
    memset(&b, 0, sizeof(b));
    PiiCtx *x = NULL;
    Hasher hasher;
    int hashing = 0;
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(anchors); k++) {
        if (!PyBytes_Check(PyTuple_GET_ITEM(anchors, k))) {
            PyErr_SetString(PyExc_TypeError, "prepare_lines: anchors must be bytes");
            goto done;
        }
    }
    if (text_lane_args(&lane_args, lane_given) != 0)
        goto done;
    b.data = view.buf;
    b.end = b.data + view.len;
    for (const unsigned char *at = b.data; at < b.end; b.lines++) {
        const unsigned char *newline = memchr(at, '\n', (size_t)(b.end - at));
        at = newline ? newline + 1 : b.end;
    }
    Py_ssize_t lines = b.lines;
    ends = PyBytes_FromStringAndSize(NULL, lines * 8);
    starts = PyBytes_FromStringAndSize(NULL, (lines + 1) * 8);
    kind_ends = PyBytes_FromStringAndSize(NULL, lines * 4);
    leaves = PyBytes_FromStringAndSize(NULL, lines * 32);
    status = PyBytes_FromStringAndSize(NULL, lines);
    families = PyBytes_FromStringAndSize(NULL, lines);
    x = PyMem_RawMalloc(sizeof(PiiCtx));
    if (ends == NULL || starts == NULL || kind_ends == NULL || leaves == NULL ||
        status == NULL || families == NULL || x == NULL) {
        no_memory();
        goto done;
    }
    if (hasher_open(&hasher) != 0)
        goto done;
    hashing = 1;
    b.ends = (uint64_t *)(void *)PyBytes_AS_STRING(ends);
    b.starts = (uint64_t *)(void *)PyBytes_AS_STRING(starts);
    b.kind_ends = (uint32_t *)(void *)PyBytes_AS_STRING(kind_ends);
    b.leaves = (unsigned char *)PyBytes_AS_STRING(leaves);
    b.status = (unsigned char *)PyBytes_AS_STRING(status);
    b.families = (unsigned char *)PyBytes_AS_STRING(families);
    b.max_line = max_line < 0 ? 0 : (size_t)max_line;
    b.want_families = want_families;
    b.anchors = anchors;
    b.lane_args = &lane_args;
    Named named;
    name_words(&named, anchors);
    lane.named = &named;
    lane.want_families = want_families;
    lane.nogil = 1;
    memset(x, 0, sizeof(*x));
    x->save = &b.save;
    int outcome;
    b.save = PyEval_SaveThread();
    outcome = prepare_batch(&b, &lane, x, &hasher);
    PyEval_RestoreThread(b.save);
    if (outcome != 0) {
        if (!x->failed)
            no_memory();
        goto done;
    }
    text = PyBytes_FromStringAndSize(b.text.data, (Py_ssize_t)b.text.len);
    kinds = PyBytes_FromStringAndSize(b.kinds.data, (Py_ssize_t)b.kinds.len);
    if (text == NULL || kinds == NULL)
        goto done;
    result = PyTuple_Pack(8, text, ends, leaves, status, families, kinds, kind_ends, starts);
done:
    Py_XDECREF(ends);
    Py_XDECREF(starts);
    Py_XDECREF(kind_ends);
    Py_XDECREF(leaves);
    Py_XDECREF(status);
    Py_XDECREF(families);
    Py_XDECREF(text);
    Py_XDECREF(kinds);
    if (hashing)
        hasher_close(&hasher);
    lane_free(&lane);
    PyMem_RawFree(b.text.data);
    PyMem_RawFree(b.kinds.data);
    PyMem_RawFree(x);
    PyBuffer_Release(&view);
    return result;
}
