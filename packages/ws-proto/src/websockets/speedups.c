/* Optional C speedups for the Sans-I/O core of websockets.
 *
 * websockets.utils falls back to pure Python when this module can't be
 * imported, so everything here must behave exactly like its Python twin.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* Masking and unmasking a payload are the same XOR (RFC 6455 5.3). Eight
 * bytes at a time: memcpy keeps the byte order, so the 64-bit mask made of
 * two copies of the key lines up with the data on any endianness, and
 * compilers turn these memcpy calls into plain loads and stores.
 */
static void
xor_mask(const uint8_t *in, uint8_t *out, Py_ssize_t len, const uint8_t *key)
{
    uint32_t key32;
    uint64_t key64, chunk;
    Py_ssize_t i = 0;

    memcpy(&key32, key, 4);
    key64 = ((uint64_t)key32 << 32) | key32;
    for (; i + 8 <= len; i += 8) {
        memcpy(&chunk, in + i, 8);
        chunk ^= key64;
        memcpy(out + i, &chunk, 8);
    }
    /* i is a multiple of 8, hence of 4: the key restarts at its first byte. */
    for (; i < len; i++) {
        out[i] = in[i] ^ key[i & 3];
    }
}

/* Above this size, release the GIL while masking, for the threading backend. */
#define RELEASE_GIL_THRESHOLD 65536

static PyObject *
apply_mask(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"data", "mask", NULL};
    Py_buffer data, mask;
    PyObject *result = NULL;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "y*y*", kwlist, &data, &mask)) {
        return NULL;
    }
    if (mask.len != 4) {
        PyErr_Format(PyExc_ValueError, "mask must contain 4 bytes, got %zd bytes", mask.len);
        goto exit;
    }
    result = PyBytes_FromStringAndSize(NULL, data.len);
    if (result == NULL) {
        goto exit;
    }
    if (data.len >= RELEASE_GIL_THRESHOLD) {
        Py_BEGIN_ALLOW_THREADS
        xor_mask(data.buf, (uint8_t *)PyBytes_AS_STRING(result), data.len, mask.buf);
        Py_END_ALLOW_THREADS
    } else {
        xor_mask(data.buf, (uint8_t *)PyBytes_AS_STRING(result), data.len, mask.buf);
    }

exit:
    PyBuffer_Release(&data);
    PyBuffer_Release(&mask);
    return result;
}

static PyMethodDef speedups_methods[] = {
    {
        "apply_mask",
        (PyCFunction)(void (*)(void))apply_mask,
        METH_VARARGS | METH_KEYWORDS,
        "Apply a 4-byte masking key to a bytes-like object; return bytes.",
    },
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT,
    "websockets.speedups",
    "Optional C implementations of hot paths of websockets.",
    -1,
    speedups_methods,
};

PyMODINIT_FUNC
PyInit_speedups(void)
{
    return PyModule_Create(&speedups_module);
}
