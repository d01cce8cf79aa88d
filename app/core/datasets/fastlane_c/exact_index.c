/* Part of _fastlane.c, compiled inside it (see its header): the exact-dedupe index's table
   and its spill filter's probes (exact_dedupe.py, spill.py), a batch of keys per call.

   The table is a bytearray the caller owns: slots of INDEX_SLOT bytes, a 12-byte key, four
   spare bytes and the first index + 1 as a native uint64 (0: empty slot), open addressing
   with linear probing on the key's first eight bytes (uniform: they are SHA-256 bytes). The
   caller keeps it at most 70 % full and grows it through index_rehash. */

#define INDEX_KEY 12
#define INDEX_SLOT 24

/* The first index + 1 stored in a slot (0: the slot is empty). */
static uint64_t
slot_value(const unsigned char *slot)
{
    uint64_t value;
    memcpy(&value, slot + 16, 8);
    return value;
}

static uint64_t
key_hash(const unsigned char *key)
{
    uint64_t h;
    memcpy(&h, key, 8);
    return h;
}

/* The slot of key: where it is, or the empty slot where it would go. */
static unsigned char *
index_slot(unsigned char *slots, size_t mask, const unsigned char *key)
{
    size_t at = (size_t)key_hash(key) & mask;
    for (;;) {
        unsigned char *slot = slots + at * INDEX_SLOT;
        uint64_t value = slot_value(slot);
        if (value == 0 || memcmp(slot, key, INDEX_KEY) == 0)
            return slot;
        at = (at + 1) & mask;
    }
}

/* A table's slots, or NULL with a Python error set (its size is not a power of two of
   slots). */
static unsigned char *
index_table(Py_buffer *view, size_t *mask)
{
    size_t count = (size_t)view->len / INDEX_SLOT;
    if (view->len % INDEX_SLOT != 0 || count == 0 || (count & (count - 1)) != 0) {
        PyErr_SetString(PyExc_ValueError, "an index table is a power of two of 24-byte slots");
        return NULL;
    }
    *mask = count - 1;
    return view->buf;
}

/* index_add(table, used, keys, stride, base, local, skip) -> (used, [(position, first)])

   Keys are the first 12 bytes of each `stride` bytes of `keys`; key i is record base +
   local[i] (`local` native int64, or None for base + i); `skip` one byte a key (not 0: leave
   it out) or None. Each key in
   turn: found, it is a duplicate of the index stored with it; else it goes in with its own.
   The caller leaves room for every key (used + count below the slots; exact_dedupe keeps the
   table at most 70 % full). */
static PyObject *
index_add(PyObject *module, PyObject *args)
{
    Py_buffer table, keys, indices = {0}, skip = {0};
    Py_ssize_t used, stride;
    long long base;
    PyObject *local_given, *skip_given, *result = NULL;
    (void)module;
    if (!PyArg_ParseTuple(args, "w*ny*nLOO:index_add", &table, &used, &keys, &stride, &base,
                          &local_given, &skip_given))
        return NULL;
    int have_skip = skip_given != Py_None, have_local = local_given != Py_None;
    if ((have_local && PyObject_GetBuffer(local_given, &indices, PyBUF_SIMPLE) != 0) ||
        (have_skip && PyObject_GetBuffer(skip_given, &skip, PyBUF_SIMPLE) != 0)) {
        if (indices.buf != NULL)
            PyBuffer_Release(&indices);
        PyBuffer_Release(&table);
        PyBuffer_Release(&keys);
        return NULL;
    }
    size_t mask = 0;
    unsigned char *slots = index_table(&table, &mask);
    Py_ssize_t count = stride > 0 ? keys.len / stride : 0;
    uint64_t *found = NULL;
    size_t found_count = 0;
    if (slots == NULL)
        goto done;
    if (stride < INDEX_KEY || keys.len % stride != 0 || (have_local && indices.len != count * 8) ||
        (have_skip && skip.len != count)) {
        PyErr_SetString(PyExc_ValueError, "index_add: keys, indices and skip do not agree");
        goto done;
    }
    if (used < 0 || (size_t)(used + count) >= mask + 1) { /* an empty slot ends every probe */
        PyErr_SetString(PyExc_ValueError, "index_add: the table has no room for the keys");
        goto done;
    }
    found = PyMem_RawMalloc(((size_t)count + 1) * 2 * sizeof(uint64_t));
    if (found == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    const unsigned char *key_at = keys.buf, *skips = have_skip ? skip.buf : NULL;
    const int64_t *local = have_local ? indices.buf : NULL;
    /* Holding the GIL: a batch takes a fraction of a millisecond, and the parent calling it
       is the pipeline's sequential thread, which would wait longer to get the GIL back. */
    for (Py_ssize_t i = 0; i < count; i++) {
        const unsigned char *key = key_at + (size_t)i * (size_t)stride;
        if (skips != NULL && skips[i])
            continue;
        unsigned char *slot = index_slot(slots, mask, key);
        uint64_t value = slot_value(slot);
        if (value != 0) {
            found[2 * found_count] = (uint64_t)i;
            found[2 * found_count + 1] = value - 1;
            found_count++;
            continue;
        }
        memcpy(slot, key, INDEX_KEY);
        value = (uint64_t)(base + (local != NULL ? local[i] : i)) + 1;
        memcpy(slot + 16, &value, 8);
        used++;
    }
    PyObject *pairs = PyList_New((Py_ssize_t)found_count);
    if (pairs == NULL)
        goto done;
    for (size_t k = 0; k < found_count; k++) {
        PyObject *pair = Py_BuildValue("(KK)", (unsigned long long)found[2 * k],
                                       (unsigned long long)found[2 * k + 1]);
        if (pair == NULL) {
            Py_DECREF(pairs);
            goto done;
        }
        PyList_SET_ITEM(pairs, (Py_ssize_t)k, pair);
    }
    result = Py_BuildValue("(nN)", used, pairs);
done:
    PyMem_RawFree(found);
    PyBuffer_Release(&table);
    PyBuffer_Release(&keys);
    if (indices.buf != NULL)
        PyBuffer_Release(&indices);
    if (skip.buf != NULL)
        PyBuffer_Release(&skip);
    return result;
}

/* index_get(table, key) -> the index stored with key's first 12 bytes, or None. */
static PyObject *
index_get(PyObject *module, PyObject *args)
{
    Py_buffer table, key;
    (void)module;
    if (!PyArg_ParseTuple(args, "y*y*:index_get", &table, &key))
        return NULL;
    PyObject *result = NULL;
    size_t mask = 0;
    unsigned char *slots = index_table(&table, &mask);
    if (slots != NULL) {
        if (key.len < INDEX_KEY) {
            PyErr_SetString(PyExc_ValueError, "index_get: a key is at least 12 bytes");
        } else {
            uint64_t value = slot_value(index_slot(slots, mask, key.buf));
            result = value ? PyLong_FromUnsignedLongLong(value - 1) : Py_NewRef(Py_None);
        }
    }
    PyBuffer_Release(&table);
    PyBuffer_Release(&key);
    return result;
}

/* index_rehash(old, new): every key of the table old into the empty table new. */
static PyObject *
index_rehash(PyObject *module, PyObject *args)
{
    Py_buffer old, new;
    (void)module;
    if (!PyArg_ParseTuple(args, "y*w*:index_rehash", &old, &new))
        return NULL;
    size_t old_mask = 0, new_mask = 0;
    unsigned char *from = index_table(&old, &old_mask), *to = NULL;
    if (from != NULL)
        to = index_table(&new, &new_mask);
    /* A table no larger than the old one, or the old one itself, may have no empty slot left
       to end a probe: the loop below would never end (and without the GIL). */
    if (to != NULL && (new_mask <= old_mask || to == from)) {
        PyErr_SetString(PyExc_ValueError, "index_rehash: the new table must be a larger one");
        to = NULL;
    }
    if (to != NULL) {
        Py_BEGIN_ALLOW_THREADS
        for (size_t i = 0; i <= old_mask; i++) {
            const unsigned char *slot = from + i * INDEX_SLOT;
            uint64_t value = slot_value(slot);
            if (value != 0)
                memcpy(index_slot(to, new_mask, slot), slot, INDEX_SLOT);
        }
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&old);
    PyBuffer_Release(&new);
    return to != NULL ? Py_NewRef(Py_None) : NULL;
}

/* index_items(table) -> (keys, values, starts): every key (12 bytes each, back to back) and
   its index (native uint64), ordered by the keys' first 16 bits (big endian), and where the
   keys of each 16-bit prefix start (65,537 native uint32: prefix p's keys are keys
   starting[p] to starting[p + 1] - 1): the spill writes its blocks from them as they are.
   The table is left empty, to be filled again (no new one allocated for each spill). */
static PyObject *
index_items(PyObject *module, PyObject *arg)
{
    Py_buffer table;
    (void)module;
    if (PyObject_GetBuffer(arg, &table, PyBUF_WRITABLE) != 0)
        return NULL;
    size_t mask = 0, count = 0;
    unsigned char *slots = index_table(&table, &mask);
    PyObject *keys = NULL, *values = NULL, *starts = NULL, *result = NULL;
    if (slots == NULL)
        goto done;
    starts = PyBytes_FromStringAndSize(NULL, 65537 * 4);
    if (starts == NULL)
        goto done;
    uint32_t *start = (uint32_t *)(void *)PyBytes_AS_STRING(starts);
    memset(start, 0, 65537 * 4);
    for (size_t i = 0; i <= mask; i++) {
        const unsigned char *slot = slots + i * INDEX_SLOT;
        uint64_t value = slot_value(slot);
        if (value != 0) {
            start[((unsigned)slot[0] << 8 | slot[1]) + 1]++;
            count++;
        }
    }
    for (size_t p = 1; p <= 65536; p++)
        start[p] += start[p - 1];
    keys = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(count * INDEX_KEY));
    values = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(count * 8));
    uint32_t *next = PyMem_RawMalloc(65536 * 4);
    if (keys == NULL || values == NULL || next == NULL) {
        PyMem_RawFree(next);
        if (!PyErr_Occurred())
            PyErr_NoMemory();
        goto done;
    }
    memcpy(next, start, 65536 * 4);
    unsigned char *key_out = (unsigned char *)PyBytes_AS_STRING(keys);
    unsigned char *value_out = (unsigned char *)PyBytes_AS_STRING(values);
    for (size_t i = 0; i <= mask; i++) {
        const unsigned char *slot = slots + i * INDEX_SLOT;
        uint64_t value = slot_value(slot);
        if (value == 0)
            continue;
        size_t k = next[(unsigned)slot[0] << 8 | slot[1]]++;
        memcpy(key_out + k * INDEX_KEY, slot, INDEX_KEY);
        value -= 1;
        memcpy(value_out + k * 8, &value, 8);
    }
    PyMem_RawFree(next);
    memset(slots, 0, (mask + 1) * INDEX_SLOT);
    result = PyTuple_Pack(3, keys, values, starts);
done:
    Py_XDECREF(keys);
    Py_XDECREF(values);
    Py_XDECREF(starts);
    PyBuffer_Release(&table);
    return result;
}

/* A key's word in the spill filter (spill._Filter's ``low % size``) and the bits it sets
   there (spill._bits of ``high``): its probe ("<QI", little endian, as on every machine this
   builds for) read from its first 12 bytes. */
static uint64_t *
filter_probe(uint64_t *word, size_t size, const unsigned char *key, uint64_t *bits)
{
    uint64_t low;
    uint32_t high;
    memcpy(&low, key, 8);
    memcpy(&high, key + 8, 4);
    unsigned a = high & 4095, b = (high >> 12) & 4095;
    *bits = (1ULL << (a & 63)) | (1ULL << (a >> 6)) | (1ULL << (b & 63)) | (1ULL << (b >> 6));
    return word + low % size;
}

/* Whether `words` (native uint64) and `keys` (`stride` bytes apiece, at least 12) make a
   filter and keys to probe it with; else a ValueError is set. */
static int
filter_arguments(const Py_buffer *words, const Py_buffer *keys, Py_ssize_t stride,
                 const char *name)
{
    if (words->len == 0 || words->len % 8 != 0 || stride < INDEX_KEY || keys->len % stride) {
        PyErr_Format(PyExc_ValueError, "%s: bad words or keys", name);
        return 0;
    }
    return 1;
}

/* filter_maybe(words, keys, stride) -> [position]: the keys (each the first 12 bytes of
   `stride`) whose bits are all set in their word of the blocked Bloom filter `words`
   (native uint64), as spill._Filter.maybe answers for their probes. */
static PyObject *
filter_maybe(PyObject *module, PyObject *args)
{
    Py_buffer words, keys;
    Py_ssize_t stride;
    (void)module;
    if (!PyArg_ParseTuple(args, "y*y*n:filter_maybe", &words, &keys, &stride))
        return NULL;
    PyObject *result = NULL;
    if (!filter_arguments(&words, &keys, stride, "filter_maybe"))
        goto done;
    result = PyList_New(0);
    if (result == NULL)
        goto done;
    size_t size = (size_t)words.len / 8;
    Py_ssize_t count = keys.len / stride;
    for (Py_ssize_t i = 0; i < count; i++) {
        const unsigned char *key = (const unsigned char *)keys.buf + (size_t)i * (size_t)stride;
        uint64_t bits;
        if ((*filter_probe(words.buf, size, key, &bits) & bits) != bits)
            continue;
        PyObject *position = PyLong_FromSsize_t(i);
        if (position == NULL || PyList_Append(result, position) != 0) {
            Py_XDECREF(position);
            Py_CLEAR(result);
            goto done;
        }
        Py_DECREF(position);
    }
done:
    PyBuffer_Release(&words);
    PyBuffer_Release(&keys);
    return result;
}

/* filter_add(words, keys, stride): set each key's bits in its word (spill._Filter.add). */
static PyObject *
filter_add(PyObject *module, PyObject *args)
{
    Py_buffer words, keys;
    Py_ssize_t stride;
    (void)module;
    if (!PyArg_ParseTuple(args, "w*y*n:filter_add", &words, &keys, &stride))
        return NULL;
    int ok = filter_arguments(&words, &keys, stride, "filter_add");
    if (ok) {
        size_t size = (size_t)words.len / 8;
        Py_ssize_t count = keys.len / stride;
        for (Py_ssize_t i = 0; i < count; i++) {
            const unsigned char *key =
                (const unsigned char *)keys.buf + (size_t)i * (size_t)stride;
            uint64_t bits;
            *filter_probe(words.buf, size, key, &bits) |= bits;
        }
    }
    PyBuffer_Release(&words);
    PyBuffer_Release(&keys);
    return ok ? Py_NewRef(Py_None) : NULL;
}

/* count_lines(data, start, end) -> the newlines in data[start:end] (memchr, a line a step). */
static PyObject *
count_lines(PyObject *module, PyObject *args)
{
    Py_buffer data;
    Py_ssize_t start, end;
    (void)module;
    if (!PyArg_ParseTuple(args, "y*nn:count_lines", &data, &start, &end))
        return NULL;
    if (start < 0)
        start = 0;
    if (end > data.len)
        end = data.len;
    Py_ssize_t count = 0;
    const char *at = (const char *)data.buf + start, *stop = (const char *)data.buf + end;
    while (at < stop && (at = memchr(at, '\n', (size_t)(stop - at))) != NULL) {
        count++;
        at++;
    }
    PyBuffer_Release(&data);
    return PyLong_FromSsize_t(count);
}
