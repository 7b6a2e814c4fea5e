/* The index tokenizer of chatledger.search.tokens, compiled: the same tokens and characters, faster
 * (benchmarks/bench_tokens.py).
 *
 * tokens(normalised) reads a normalised text (normalise_for_search) and returns what
 * DELIMITER.join(_TOKEN.findall(_printable(normalised))) returns: at every letter or digit (str.isalnum,
 * the same test as the regex's [^\W_]), that character joined to the next one when it is a letter or
 * digit too, else to up to SEPARATOR_LIMIT characters of the separator that follows; ASCII controls are
 * first mapped to U+E000 + code, as _printable does.
 *
 * characters(tokens) returns the distinct characters of a token string less ASCII separators, in order
 * of first appearance, joined by DELIMITER: what index_characters gives, as a string in a fixed order.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define SEPARATOR_LIMIT 8
#define DELIMITER 0x1F

static inline Py_UCS4 printable(Py_UCS4 c) { return (c < 0x20 || c == 0x7F) ? 0xE000 + c : c; }

static inline int is_run(Py_UCS4 c) { return Py_UNICODE_ISALNUM(c); }

static PyObject *tokens(PyObject *module, PyObject *arg) {
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "tokens() takes a str");
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(arg);
    int kind = PyUnicode_KIND(arg);
    const void *data = PyUnicode_DATA(arg);
    /* At most 1 + SEPARATOR_LIMIT characters and a delimiter per input character. */
    Py_UCS4 *out = PyMem_Malloc(sizeof(Py_UCS4) * (size_t)(n * (SEPARATOR_LIMIT + 2) + 1));
    if (out == NULL) return PyErr_NoMemory();
    Py_ssize_t o = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (!is_run(c)) continue;
        if (o) out[o++] = DELIMITER;
        out[o++] = c;
        if (i + 1 >= n) break;
        Py_UCS4 next = PyUnicode_READ(kind, data, i + 1);
        if (is_run(next)) {
            out[o++] = next;
            continue;
        }
        for (Py_ssize_t j = i + 1; j < n && j <= i + SEPARATOR_LIMIT; j++) {
            Py_UCS4 s = PyUnicode_READ(kind, data, j);
            if (is_run(s)) break;
            s = printable(s);
            out[o++] = s;
        }
    }
    PyObject *result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, o);
    PyMem_Free(out);
    return result;
}

/* Distinct characters, kept in a small open-addressing set sized for the whole text. */
static PyObject *characters(PyObject *module, PyObject *arg) {
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "characters() takes a str");
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(arg);
    int kind = PyUnicode_KIND(arg);
    const void *data = PyUnicode_DATA(arg);
    size_t slots = 16;
    while (slots < (size_t)n * 2) slots <<= 1;
    Py_UCS4 *set = PyMem_Calloc(slots, sizeof(Py_UCS4)); /* 0 = empty: U+0000 is an ASCII separator */
    Py_UCS4 *out = PyMem_Malloc(sizeof(Py_UCS4) * (size_t)(2 * n + 1));
    if (set == NULL || out == NULL) {
        PyMem_Free(set);
        PyMem_Free(out);
        return PyErr_NoMemory();
    }
    Py_ssize_t o = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c < 0x80 && !is_run(c)) continue;
        size_t h = ((size_t)c * 2654435761u) & (slots - 1);
        while (set[h] != 0 && set[h] != c) h = (h + 1) & (slots - 1);
        if (set[h] == c) continue;
        set[h] = c;
        if (o) out[o++] = DELIMITER;
        out[o++] = c;
    }
    PyMem_Free(set);
    PyObject *result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, o);
    PyMem_Free(out);
    return result;
}

static PyMethodDef methods[] = {
    {"tokens", tokens, METH_O, "The index token string of a normalised text."},
    {"characters", characters, METH_O, "The distinct non-separator characters of a token string, joined."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_tokenize", "chatledger's compiled index tokenizer.",
                                    0, methods};

PyMODINIT_FUNC PyInit__tokenize(void) { return PyModule_Create(&module); }
