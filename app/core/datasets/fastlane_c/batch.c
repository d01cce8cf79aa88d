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
    /* scratch */
    Buf edits, redacted, answers, pending, text2, kinds2, ends2;
    PhoneRuns runs;
} Batch;

/* One line through the lane and the text lane: its bytes (final, or canonical when left to
   Python) and a newline appended to text, its findings' kind codes to kinds, its status,
   families and leaf; 0, or FAILED. */
static int
prepare_one(Batch *b, Lane *lane, PiiCtx *x, Hasher *hasher, const unsigned char *line,
            size_t n, Buf *text, Buf *kinds, Py_ssize_t i)
{
    const TextLaneArgs *t = b->lane_args;
    unsigned char *leaf_at = b->leaves + 32 * (size_t)i;
    int status = SLOW;
    uint32_t keys = 0;
    if (n <= b->max_line && n < UINT32_MAX / 2)
        status = scan_line(lane, line, n, &keys);
    if (status == FAILED)
        return FAILED;
    b->status[i] = LINE_SLOW;
    b->families[i] = 0;
    if (status != 0) {
        memset(leaf_at, 0, 32);
        return 0;
    }
    int found = ALL_FAMILIES;
    if (b->want_families && lane->spaced) {
        lane->line = (const unsigned char *)lane->out.data;
        lane->n = lane->out.len;
        lane->candidate = candidate_in_strings(lane->line, lane->n);
        found = line_families(lane, keys, b->anchors);
    } else if (b->want_families)
        found = line_families(lane, keys, b->anchors);
    if (found == FAILED)
        return FAILED;
    if (lane->spaced)
        found |= NORMALIZED;
    const char *final = lane->out.data;
    size_t final_len = lane->out.len;
    int state = LINE_DONE;
    if (found & ALL_FAMILIES) {
        state = LINE_FLAGGED;
        if (t->on) {
            int edited = 0;
            long wanted = t->gated ? (found & ALL_FAMILIES) : ALL_FAMILIES;
            int decided = redact_text(x, (const unsigned char *)final, final_len, wanted,
                                      t->plan, t->types, t->regions, t->phone, &t->tags,
                                      &b->edits, kinds, &b->redacted, &edited);
            if (decided == FAILED)
                return FAILED;
            if (decided == 0) {
                state = LINE_DONE;
                if (edited) {
                    final = b->redacted.data;
                    final_len = b->redacted.len;
                }
            }
        }
    }
    if (reserve(text, final_len + 1) != 0)
        return FAILED;
    memcpy(text->data + text->len, final, final_len);
    text->len += final_len;
    text->data[text->len++] = '\n';
    if (!leaf(hasher, final, final_len, leaf_at))
        return FAILED;
    b->status[i] = (unsigned char)state;
    b->families[i] = (unsigned char)found;
    return 0;
}

/* The phone checks the first pass noted, asked of Python in one go (the GIL taken once a
   batch, not once a number); 0, or FAILED with a Python error set (or memory ran out). */
static int
ask_phones(Batch *b, PiiCtx *x)
{
    int failed = 0;
    PyEval_RestoreThread(b->save);
    for (size_t at = 0; at < b->runs.bytes.len && !failed;) {
        size_t n = (unsigned char)b->runs.bytes.data[at];
        char answer[41];
        memset(answer, 0, sizeof answer);
        const char *run = b->runs.bytes.data + at + 1;
        PyObject *found =
            PyObject_CallFunction(b->lane_args->phone, "s#O", run, (Py_ssize_t)n, Py_None);
        at += 1 + n;
        if (found == NULL) {
            failed = 1;
            break;
        }
        answer[0] = 1; /* not a phone */
        if (found != Py_None) {
            Py_ssize_t size;
            const char *text =
                PyUnicode_Check(found) ? PyUnicode_AsUTF8AndSize(found, &size) : NULL;
            if (text == NULL || size >= 40) {
                PyErr_Clear();
                answer[0] = 0; /* only Python can tell */
            } else {
                answer[0] = 2;
                memcpy(answer + 1, text, (size_t)size);
            }
        }
        Py_DECREF(found);
        if (reserve(&b->answers, sizeof answer) != 0) {
            PyErr_NoMemory();
            failed = 1;
            break;
        }
        memcpy(b->answers.data + b->answers.len, answer, sizeof answer);
        b->answers.len += sizeof answer;
    }
    if (failed)
        x->failed = 1;
    b->save = PyEval_SaveThread();
    return failed ? FAILED : 0;
}

/* Bytes from..to of data appended to a buffer with room for them. A pass that wrote no
   byte has no buffer (data NULL): memcpy is not to be given NULL, even for no bytes. */
static void
buf_append(Buf *to, const char *data, size_t from, size_t end)
{
    if (end > from) {
        memcpy(to->data + to->len, data + from, end - from);
        to->len += end - from;
    }
}

static int merge_text(Batch *b, const uint32_t *index, size_t pending, const uint64_t *ends2);

/* The batch's lines; FAILED when memory ran out or a Python error is set (x->failed).

   A line whose text lane needs a phone check is done in a second pass: the first notes
   the numbers and leaves the line out, Python checks them all at once, then the second
   does those lines again (the answers known) and their bytes are merged in at their
   place. Without the text lane or its phone check, one pass. */
static int
prepare_batch(Batch *b, Lane *lane, PiiCtx *x, Hasher *hasher)
{
    const unsigned char *at = b->data;
    int collect = b->lane_args->on && b->lane_args->phone != NULL &&
                  b->lane_args->phone != Py_None;
    x->runs = &b->runs;
    x->collect = collect;
    for (Py_ssize_t i = 0; i < b->lines; i++) {
        const unsigned char *newline = memchr(at, '\n', (size_t)(b->end - at));
        size_t n = (size_t)((newline ? newline : b->end) - at);
        b->starts[i] = (uint64_t)(at - b->data);
        size_t text_before = b->text.len, kinds_before = b->kinds.len;
        x->deferred = 0;
        if (prepare_one(b, lane, x, hasher, at, n, &b->text, &b->kinds, i) != 0)
            return FAILED;
        if (x->deferred) { /* done again once the numbers are checked */
            b->text.len = text_before;
            b->kinds.len = kinds_before;
            memset(b->leaves + 32 * (size_t)i, 0, 32);
            uint32_t index = (uint32_t)i;
            if (reserve(&b->pending, sizeof index) != 0)
                return FAILED;
            memcpy(b->pending.data + b->pending.len, &index, sizeof index);
            b->pending.len += sizeof index;
        }
        b->ends[i] = (uint64_t)b->text.len;
        b->kind_ends[i] = (uint32_t)b->kinds.len;
        at = newline ? newline + 1 : b->end;
    }
    b->starts[b->lines] = (uint64_t)(b->end - b->data) + (b->lines && b->end[-1] != '\n');
    size_t pending = b->pending.len / sizeof(uint32_t);
    if (pending == 0)
        return 0;
    if (ask_phones(b, x) != 0)
        return FAILED;
    x->collect = 0;
    x->answers = &b->answers;
    const uint32_t *index = (const uint32_t *)(const void *)b->pending.data;
    if (reserve(&b->ends2, 2 * pending * sizeof(uint64_t)) != 0)
        return FAILED;
    uint64_t *ends2 = (uint64_t *)(void *)b->ends2.data; /* text2 end, kinds2 end a line */
    for (size_t k = 0; k < pending; k++) {
        Py_ssize_t i = index[k];
        const unsigned char *line = b->data + b->starts[i];
        size_t n = (size_t)(b->starts[i + 1] - b->starts[i]) - 1; /* the last line too */
        if (prepare_one(b, lane, x, hasher, line, n, &b->text2, &b->kinds2, i) != 0)
            return FAILED;
        ends2[2 * k] = b->text2.len;
        ends2[2 * k + 1] = b->kinds2.len;
    }
    /* The two passes' kind codes merged in line order. */
    Buf kinds = {0};
    if (reserve(&kinds, b->kinds.len + b->kinds2.len + 1) != 0)
        return FAILED;
    size_t kinds_from = 0, kinds_from2 = 0, k = 0;
    for (Py_ssize_t i = 0; i < b->lines; i++) {
        if (k < pending && index[k] == (uint32_t)i) {
            buf_append(&kinds, b->kinds2.data, kinds_from2, ends2[2 * k + 1]);
            kinds_from2 = ends2[2 * k + 1];
            k++;
        } else {
            buf_append(&kinds, b->kinds.data, kinds_from, b->kind_ends[i]);
            kinds_from = b->kind_ends[i];
        }
        b->kind_ends[i] = (uint32_t)kinds.len;
    }
    PyMem_RawFree(b->kinds.data);
    b->kinds = kinds;
    return merge_text(b, index, pending, ends2);
}

/* The two passes' text merged in line order: in place, from the end, when the first pass's
   buffer has room for both (the batch's own Python object, usually), else into a new one.
   b->ends are the first pass's ends going in, the merged text's coming out; ends2 holds each
   redone line's end in text2 (every other entry). */
static int
merge_text(Batch *b, const uint32_t *index, size_t pending, const uint64_t *ends2)
{
    size_t total = b->text.len + b->text2.len;
    if (total > b->text.cap) {
        Buf text = {0};
        if (reserve(&text, total) != 0)
            return FAILED;
        size_t from = 0, from2 = 0, k = 0;
        for (Py_ssize_t i = 0; i < b->lines; i++) {
            if (k < pending && index[k] == (uint32_t)i) {
                buf_append(&text, b->text2.data, from2, ends2[2 * k]);
                from2 = ends2[2 * k];
                k++;
            } else {
                buf_append(&text, b->text.data, from, b->ends[i]);
                from = b->ends[i];
            }
            b->ends[i] = (uint64_t)text.len;
        }
        if (!b->text.borrowed)
            PyMem_RawFree(b->text.data);
        b->text = text;
        return 0;
    }
    /* From the last line back: each run of first-pass lines moves right by the bytes of the
       redone lines before it (memmove: the ranges overlap), each redone line is copied in just
       before what is placed already; a line's first-pass end is read before it is rewritten. */
    char *text = b->text.data;
    size_t at = total; /* where the bytes placed so far begin */
    Py_ssize_t i = b->lines - 1;
    size_t k = pending;
    while (i >= 0) {
        if (k > 0 && index[k - 1] == (uint32_t)i) {
            size_t start = k > 1 ? ends2[2 * (k - 2)] : 0, end = ends2[2 * (k - 1)];
            b->ends[i] = at;
            at -= end - start;
            if (end > start)
                memcpy(text + at, b->text2.data + start, end - start);
            k--;
            i--;
            continue;
        }
        Py_ssize_t last = i; /* a run of first-pass lines: first..last */
        while (i >= 0 && !(k > 0 && index[k - 1] == (uint32_t)i))
            i--;
        Py_ssize_t first = i + 1;
        size_t begin = first > 0 ? b->ends[first - 1] : 0, end = b->ends[last];
        size_t shift = at - end; /* the run's bytes move right by this much */
        if (end > begin && shift)
            memmove(text + begin + shift, text + begin, end - begin);
        for (Py_ssize_t line = first; line <= last; line++)
            b->ends[line] += shift;
        at = begin + shift;
    }
    b->text.len = total;
    return 0;
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
    /* The text is written straight into its Python object, made as large as the batch and
       some (masks can be longer than what they hide) and cut to size at the end; a batch that
       outgrows it moves to a buffer of its own (reserve) and is copied in at the end. */
    size_t room = (size_t)view.len + (size_t)view.len / 8 + 65536;
    text = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)room);
    x = PyMem_RawMalloc(sizeof(PiiCtx));
    if (ends == NULL || starts == NULL || kind_ends == NULL || leaves == NULL ||
        status == NULL || families == NULL || text == NULL || x == NULL) {
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
    b.text.data = PyBytes_AS_STRING(text);
    b.text.cap = room;
    b.text.borrowed = 1;
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
        /* x->failed with no error set: noting a phone number ran out of memory */
        no_memory();
        goto done;
    }
    if (b.text.borrowed) {
        if (_PyBytes_Resize(&text, (Py_ssize_t)b.text.len) != 0)
            goto done; /* text is NULL then */
    } else {
        Py_SETREF(text, PyBytes_FromStringAndSize(b.text.data, (Py_ssize_t)b.text.len));
        if (text == NULL)
            goto done;
    }
    kinds = PyBytes_FromStringAndSize(b.kinds.data, (Py_ssize_t)b.kinds.len);
    if (kinds == NULL)
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
    if (!b.text.borrowed)
        PyMem_RawFree(b.text.data);
    PyMem_RawFree(b.kinds.data);
    Buf *scratch[] = {&b.edits, &b.redacted, &b.answers, &b.pending,
                      &b.text2, &b.kinds2,   &b.ends2};
    for (size_t k = 0; k < sizeof scratch / sizeof scratch[0]; k++)
        PyMem_RawFree(scratch[k]->data);
    pii_runs_free(&b.runs);
    PyMem_RawFree(x);
    PyBuffer_Release(&view);
    return result;
}
