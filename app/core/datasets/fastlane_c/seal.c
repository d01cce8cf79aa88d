/* Part of _fastlane.c, compiled inside it (see its header): seal_chunks(), a run of age
   payload chunks sealed with ChaCha20-Poly1305 in one call (crypto/payload.py).

   cryptography's AEAD releases the GIL for each 64 KiB chunk and takes it back after: in a
   prepare, where other threads hold the GIL for their Python parts, the encrypting thread
   waited for it some thousands of times a gigabyte. Here a run of chunks is one call, the
   GIL released once. The chunk format is age's STREAM: chunk i of the run is sealed under
   the nonce (counter + i) as 11 bytes big endian, then 1 for the last chunk of the payload
   (final and i the run's last), else 0; its 16-byte tag follows it. */

#define SEAL_CHUNK 65536
#define SEAL_TAG 16

static PyObject *
seal_chunks(PyObject *module, PyObject *args)
{
    Py_buffer key, src, dst;
    unsigned long long counter;
    Py_ssize_t count, last;
    int final;
    (void)module;
    if (!PyArg_ParseTuple(args, "y*y*w*Knnp:seal_chunks", &key, &src, &dst, &counter, &count,
                          &last, &final))
        return NULL;
    PyObject *result = NULL;
    EVP_CIPHER_CTX *ctx = NULL;
    /* count bounded first: (count - 1) * the chunk size must not overflow (a wrapped size
       would pass the buffer checks below and the run would write past dst), and counter +
       count - 1 must not wrap (a nonce used twice) */
    if (key.len != 32 || count < 1 || count > PY_SSIZE_T_MAX / (SEAL_CHUNK + SEAL_TAG) ||
        (unsigned long long)(count - 1) > ~0ULL - counter || last < 0 || last > SEAL_CHUNK ||
        src.len < (count - 1) * SEAL_CHUNK + last ||
        dst.len < (count - 1) * (SEAL_CHUNK + SEAL_TAG) + last + SEAL_TAG) {
        PyErr_SetString(PyExc_ValueError, "seal_chunks: the key, chunks or buffers do not agree");
        goto done;
    }
    const EVP_CIPHER *cipher = EVP_chacha20_poly1305();
    if (cipher == NULL || (ctx = EVP_CIPHER_CTX_new()) == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "OpenSSL has no ChaCha20-Poly1305");
        goto done;
    }
    int ok = 1;
    const unsigned char *in = src.buf, *secret = key.buf;
    unsigned char *out = dst.buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < count && ok; i++) {
        unsigned char nonce[12];
        unsigned long long number = counter + (unsigned long long)i;
        memset(nonce, 0, sizeof nonce);
        for (int b = 0; b < 8; b++)
            nonce[10 - b] = (unsigned char)(number >> (8 * b));
        nonce[11] = (unsigned char)(final && i == count - 1);
        int len = i < count - 1 ? SEAL_CHUNK : (int)last, produced = 0, tail = 0;
        unsigned char *sealed = out + (size_t)i * (SEAL_CHUNK + SEAL_TAG);
        ok = EVP_EncryptInit_ex(ctx, cipher, NULL, secret, nonce) == 1 &&
             (len == 0 || EVP_EncryptUpdate(ctx, sealed, &produced, in + (size_t)i * SEAL_CHUNK,
                                            len) == 1) &&
             EVP_EncryptFinal_ex(ctx, sealed + produced, &tail) == 1 &&
             produced + tail == len &&
             EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, SEAL_TAG, sealed + len) == 1;
    }
    Py_END_ALLOW_THREADS
    if (!ok) {
        PyErr_SetString(PyExc_RuntimeError, "OpenSSL could not seal a payload chunk");
        goto done;
    }
    result = Py_NewRef(Py_None);
done:
    EVP_CIPHER_CTX_free(ctx);
    PyBuffer_Release(&key);
    PyBuffer_Release(&src);
    PyBuffer_Release(&dst);
    return result;
}
