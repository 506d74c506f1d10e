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

/* PayloadBuffer: the bytes object that a large frame's payload is received
 * into, straight from the socket (socket.recv_into), then unmasked in place.
 *
 * Receiving into a bytearray and converting it to bytes at the end would copy
 * the whole payload once more. Instead, this object owns a bytes object that
 * nobody else sees until take() hands it over, and exposes its storage as a
 * writable buffer meanwhile. take() refuses while a buffer is still exported,
 * so the bytes object can't change once it's visible. Its storage is left
 * uninitialized: pages are committed as data arrives, not when a frame header
 * announces a large payload.
 */
typedef struct {
    PyObject_HEAD
    PyObject *data;     /* NULL once taken */
    Py_ssize_t exports;
} PayloadBufferObject;

static PyObject *
PayloadBuffer_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"size", NULL};
    Py_ssize_t size;
    PayloadBufferObject *self;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "n", kwlist, &size)) {
        return NULL;
    }
    if (size < 0) {
        PyErr_SetString(PyExc_ValueError, "size must be positive or zero");
        return NULL;
    }
    self = (PayloadBufferObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->data = PyBytes_FromStringAndSize(NULL, size);
    if (self->data == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    self->exports = 0;
    return (PyObject *)self;
}

static void
PayloadBuffer_dealloc(PayloadBufferObject *self)
{
    Py_XDECREF(self->data);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
check_not_taken(PayloadBufferObject *self)
{
    if (self->data == NULL) {
        PyErr_SetString(PyExc_ValueError, "payload was taken already");
        return -1;
    }
    return 0;
}

static int
PayloadBuffer_getbuffer(PayloadBufferObject *self, Py_buffer *view, int flags)
{
    if (check_not_taken(self) < 0) {
        view->obj = NULL;
        return -1;
    }
    if (PyBuffer_FillInfo(view, (PyObject *)self, PyBytes_AS_STRING(self->data),
                          PyBytes_GET_SIZE(self->data), 0, flags) < 0) {
        return -1;
    }
    self->exports++;
    return 0;
}

static void
PayloadBuffer_releasebuffer(PayloadBufferObject *self, Py_buffer *view)
{
    self->exports--;
}

static PyBufferProcs PayloadBuffer_as_buffer = {
    (getbufferproc)PayloadBuffer_getbuffer,
    (releasebufferproc)PayloadBuffer_releasebuffer,
};

static Py_ssize_t
PayloadBuffer_length(PayloadBufferObject *self)
{
    return self->data == NULL ? 0 : PyBytes_GET_SIZE(self->data);
}

static PySequenceMethods PayloadBuffer_as_sequence = {
    .sq_length = (lenfunc)PayloadBuffer_length,
};

static PyObject *
PayloadBuffer_unmask(PayloadBufferObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"start", "end", "mask", NULL};
    Py_ssize_t start, end;
    Py_buffer mask;
    uint8_t key[4], *buf;
    int shift, i;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "nny*", kwlist, &start, &end, &mask)) {
        return NULL;
    }
    if (mask.len != 4) {
        PyErr_Format(PyExc_ValueError, "mask must contain 4 bytes, got %zd bytes", mask.len);
        PyBuffer_Release(&mask);
        return NULL;
    }
    /* The key lines up with the start of the payload, not with start. */
    shift = (int)(start & 3);
    for (i = 0; i < 4; i++) {
        key[i] = ((uint8_t *)mask.buf)[(i + shift) & 3];
    }
    PyBuffer_Release(&mask);
    if (check_not_taken(self) < 0) {
        return NULL;
    }
    if (start < 0 || end < start || end > PyBytes_GET_SIZE(self->data)) {
        PyErr_Format(PyExc_ValueError, "invalid range %zd:%zd", start, end);
        return NULL;
    }
    buf = (uint8_t *)PyBytes_AS_STRING(self->data) + start;
    if (end - start >= RELEASE_GIL_THRESHOLD) {
        /* Count this as an export while the GIL is released, so that take()
         * can't hand the bytes over while they're still changing, and keep
         * them alive. */
        PyObject *data = self->data;
        Py_INCREF(data);
        self->exports++;
        Py_BEGIN_ALLOW_THREADS
        xor_mask(buf, buf, end - start, key);
        Py_END_ALLOW_THREADS
        self->exports--;
        Py_DECREF(data);
    } else {
        xor_mask(buf, buf, end - start, key);
    }
    Py_RETURN_NONE;
}

static PyObject *
PayloadBuffer_take(PayloadBufferObject *self, PyObject *Py_UNUSED(ignored))
{
    PyObject *data;

    if (check_not_taken(self) < 0) {
        return NULL;
    }
    if (self->exports > 0) {
        PyErr_SetString(PyExc_BufferError, "payload buffer is still exported");
        return NULL;
    }
    data = self->data;
    self->data = NULL;
    return data;
}

static PyMethodDef PayloadBuffer_methods[] = {
    {
        "unmask",
        (PyCFunction)(void (*)(void))PayloadBuffer_unmask,
        METH_VARARGS | METH_KEYWORDS,
        "Unmask bytes start to end in place, with the key of the whole payload.",
    },
    {
        "take",
        (PyCFunction)PayloadBuffer_take,
        METH_NOARGS,
        "Return the payload as bytes; the buffer becomes unusable.",
    },
    {NULL, NULL, 0, NULL},
};

static PyTypeObject PayloadBufferType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "websockets.speedups.PayloadBuffer",
    .tp_basicsize = sizeof(PayloadBufferObject),
    .tp_dealloc = (destructor)PayloadBuffer_dealloc,
    .tp_as_sequence = &PayloadBuffer_as_sequence,
    .tp_as_buffer = &PayloadBuffer_as_buffer,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Writable buffer of a given size, in bytes, that becomes bytes.",
    .tp_methods = PayloadBuffer_methods,
    .tp_new = PayloadBuffer_new,
};

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
    PyObject *module;

    if (PyType_Ready(&PayloadBufferType) < 0) {
        return NULL;
    }
    module = PyModule_Create(&speedups_module);
    if (module == NULL) {
        return NULL;
    }
    Py_INCREF(&PayloadBufferType);
    if (PyModule_AddObject(module, "PayloadBuffer", (PyObject *)&PayloadBufferType) < 0) {
        Py_DECREF(&PayloadBufferType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
