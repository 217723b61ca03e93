# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, nonecheck=False
"""Compiled kernels of the linguistic layer: the gathers and sums of the tagger and of the
linear engine, fused into one pass over the tokens.

The numpy code in ``tagger.py`` and ``linear.py`` is the reference: it gathers every row
a token needs into a temporary array, then adds the blocks and takes the arg-max, which
writes and reads several times the rows' bytes. Here each token's rows are added where
they lie and the arg-max taken at once. Results are the same bits: int16 sums wrap the
same way whatever the order (the sums never overflow anyway), float32 rows are added in
the reference's order, ties go to the first class. Import through ``layercore.py``.
"""

import numpy as np

from libc.math cimport floor
from libc.stdint cimport int16_t, int32_t


cdef inline Py_ssize_t _argmax16(const int32_t* acc, Py_ssize_t c) noexcept nogil:
    """Index of the largest of ``acc`` read as int16 (the first on ties)."""
    cdef Py_ssize_t j, best = 0
    cdef int16_t top = <int16_t>acc[0]
    cdef int16_t v
    for j in range(1, c):
        v = <int16_t>acc[j]
        if v > top:
            top = v
            best = j
    return best


def tag_classes(const Py_ssize_t[::1] padded, const int16_t[:, ::1] role_rows,
                const Py_ssize_t[::1] window_roles, const Py_ssize_t[::1] amb,
                const int16_t[:, ::1] context, const Py_ssize_t[::1] context_offsets):
    """The tagger's two passes (``Tagger.tag_ids``): the class of each slot of ``padded``,
    the number of classes at padding slots."""
    cdef Py_ssize_t m = padded.shape[0]
    cdef Py_ssize_t c = role_rows.shape[1]
    cdef Py_ssize_t k = c + 1  # tag ids in the context tables: the classes and the boundary
    out = np.full(m, c, dtype=np.intp)
    first = np.full(m, c, dtype=np.intp)
    sums = np.zeros((max(m, 1), c), dtype=np.int32)
    cdef Py_ssize_t[::1] o = out
    cdef Py_ssize_t[::1] t = first
    cdef int32_t[:, ::1] s = sums
    cdef Py_ssize_t i, j, q, a
    cdef const int16_t* rows[5]
    cdef int32_t* acc
    with nogil:
        # Pass 1: the five words of the window, each in its role.
        for i in range(2, m - 2):
            if padded[i] == 0:
                continue
            for q in range(5):
                rows[q] = &role_rows[padded[i - 2 + q] * 5 + window_roles[q], 0]
            acc = &s[i, 0]
            for j in range(c):
                acc[j] = <int32_t>rows[0][j] + rows[1][j] + rows[2][j] + rows[3][j] + rows[4][j]
            t[i] = _argmax16(acc, c)
        # Pass 2: the neighbours' pass-1 tags, alone and with an ambiguous word.
        for i in range(2, m - 2):
            if padded[i] == 0:
                continue
            a = amb[padded[i]]
            rows[0] = &context[t[i - 1] * k + t[i + 1] + context_offsets[0], 0]
            rows[1] = &context[t[i - 2] * k + t[i - 1] + context_offsets[1], 0]
            rows[2] = &context[t[i + 1] * k + t[i + 2] + context_offsets[2], 0]
            rows[3] = &context[a + t[i - 1] + context_offsets[3], 0]
            rows[4] = &context[a + t[i + 1] + context_offsets[4], 0]
            acc = &s[i, 0]
            for j in range(c):
                acc[j] += <int32_t>rows[0][j] + rows[1][j] + rows[2][j] + rows[3][j] + rows[4][j]
            o[i] = _argmax16(acc, c)
    return out


def engine_scores(const float[:, ::1] table, const Py_ssize_t[::1] w, const Py_ssize_t[::1] t,
                  Py_ssize_t word_base, Py_ssize_t n_tags):
    """The engine's scores (``Engine.run_padded``): one row per real slot of the padded type
    ids ``w`` and tag ids ``t`` (tag 0 is padding), the sum of its seven table rows in the
    reference's order: words at -1, 0, +1, tags at -2, +2, tag pairs (-1, 0) and (0, 1)."""
    cdef Py_ssize_t m = w.shape[0]
    cdef Py_ssize_t k = table.shape[1]
    cdef Py_ssize_t i, j, n = 0
    for i in range(2, m - 2):
        if t[i] != 0:
            n += 1
    out = np.empty((n, k), dtype=np.float32)
    if n == 0:
        return out
    cdef float[:, ::1] o = out
    cdef const float* rows[7]
    cdef float* dst
    cdef float v
    cdef Py_ssize_t pairs = 2 * n_tags
    cdef Py_ssize_t r = 0
    with nogil:
        for i in range(2, m - 2):
            if t[i] == 0:
                continue
            rows[0] = &table[w[i - 1] * 3 + word_base, 0]
            rows[1] = &table[w[i] * 3 + word_base + 1, 0]
            rows[2] = &table[w[i + 1] * 3 + word_base + 2, 0]
            rows[3] = &table[t[i - 2], 0]
            rows[4] = &table[t[i + 2] + n_tags, 0]
            rows[5] = &table[t[i - 1] * n_tags + t[i] + pairs, 0]
            rows[6] = &table[t[i] * n_tags + t[i + 1] + pairs + n_tags * n_tags, 0]
            dst = &o[r, 0]
            for j in range(k):
                v = rows[0][j]
                v = v + rows[1][j]
                v = v + rows[2][j]
                v = v + rows[3][j]
                v = v + rows[4][j]
                v = v + rows[5][j]
                v = v + rows[6][j]
                dst[j] = v
            r += 1
    return out


cdef enum:
    N_LABELS = 7  # the entity model's labels: O, B-PER, I-PER, B-ORG, I-ORG, B-LOC, I-LOC


def entity_candidates(const float[:, ::1] scores, const unsigned char[::1] first, const int16_t[::1] flags,
                      const Py_ssize_t[::1] tags, const unsigned char[::1] edge_tags,
                      const float[:, ::1] transitions, double margin, object token):
    """The entity recogniser's candidate spans (``EntityRecognizer._candidates``): Viterbi over
    each run of tokens where a name is possible, then the spans of each decoded run, trimmed.
    A list of (start, end, kind 1 PER / 2 ORG / 3 LOC, first row, flags of the first word)."""
    cdef Py_ssize_t n = scores.shape[0]
    cdef Py_ssize_t i, j, l, p, s, e, a, b, start, end, kind, label
    cdef float m32 = <float>margin
    cdef float best, v
    cdef float delta[N_LABELS]
    cdef float step[N_LABELS]
    out = []
    if n == 0:
        return out
    cdef const Py_ssize_t[::1] index
    cdef bint identity = token is None
    if not identity:
        index = token
    possible_array = np.zeros(n + 1, dtype=np.uint8)
    back_array = np.zeros((n, N_LABELS), dtype=np.int8)
    seq_array = np.zeros(n, dtype=np.int8)
    cdef unsigned char[::1] possible = possible_array
    cdef signed char[:, ::1] back = back_array
    cdef signed char[::1] seq = seq_array
    for i in range(n):
        best = scores[i, 1]
        for l in range(2, N_LABELS):
            if scores[i, l] > best:
                best = scores[i, l]
        possible[i] = best > scores[i, 0] - m32
    s = 0
    while s < n:
        if not possible[s]:
            s += 1
            continue
        # A run goes on while tokens are possible and no sentence starts; decoded as if O
        # stood on either side.
        e = s + 1
        while possible[e] and not first[e]:
            e += 1
        for l in range(N_LABELS):
            delta[l] = scores[s, l] + transitions[0, l]
        for j in range(s + 1, e):
            for l in range(N_LABELS):
                best = delta[0] + transitions[0, l]
                p = 0
                for i in range(1, N_LABELS):
                    v = delta[i] + transitions[i, l]
                    if v > best:
                        best = v
                        p = i
                back[j, l] = <signed char>p
                step[l] = best + scores[j, l]
            for l in range(N_LABELS):
                delta[l] = step[l]
        best = delta[0] + transitions[0, 0]
        label = 0
        for l in range(1, N_LABELS):
            v = delta[l] + transitions[l, 0]
            if v > best:
                best = v
                label = l
        for j in range(e - 1, s, -1):
            seq[j] = <signed char>label
            label = back[j, label]
        seq[s] = <signed char>label
        # The spans of the run: B- labels are odd, I- even; kind 1 PER, 2 ORG, 3 LOC.
        i = s
        while i < e:
            label = seq[i]
            if not label:
                i += 1
                continue
            kind = (label + 1) // 2
            j = i + 1
            while j < e and seq[j] and not seq[j] % 2 and (seq[j] + 1) // 2 == kind:
                j += 1
            start, end = i, j
            i = j
            # Trim what cannot begin or end a name.
            while start < end and ((flags[start] & 8) or edge_tags[tags[start]]):
                start += 1
            while end > start and ((flags[end - 1] & 8) or edge_tags[tags[end - 1]]):
                end -= 1
            if kind == 1:  # "Syrian President Bashar Assad": the name starts after those words
                while end - start > 1 and flags[start] & 2:
                    start += 1
            if end <= start:
                continue
            a = start if identity else index[start]
            out.append((a, a + end - start, kind, start, flags[start]))
        s = e
    return out


def span_bins(const float[:, ::1] scores, list candidates):
    """Per candidate (``entity_candidates``), the mean margin of PER, ORG and LOC over O on its
    rows, halved, floored and clipped to -4..4 (``EntityRecognizer._retype``)."""
    cdef Py_ssize_t row, length, j, q, r
    cdef float o
    cdef float sums[3]
    cdef double mean
    out = []
    for candidate in candidates:
        row = candidate[3]
        length = candidate[1] - candidate[0]
        for q in range(3):
            sums[q] = 0
        for j in range(row, row + length):
            o = scores[j, 0]
            for q in range(3):
                r = 1 + 2 * q
                if j == row:
                    sums[q] = (scores[j, r] if scores[j, r] >= scores[j, r + 1] else scores[j, r + 1]) - o
                else:
                    sums[q] = sums[q] + ((scores[j, r] if scores[j, r] >= scores[j, r + 1] else scores[j, r + 1]) - o)
        bins = []
        for q in range(3):
            mean = floor(<double>sums[q] / <double>length / 2.0)
            bins.append(<long>(-4 if mean < -4 else 4 if mean > 4 else mean))
        out.append(bins)
    return out
