"""Writes PyTorch checkpoints (legacy and zip formats) without torch, for test fixtures.

The pickles carry the same globals torch emits (torch._utils._rebuild_tensor_v2,
torch.FloatStorage, …) through stand-in modules, and storages as persistent ids.
"""
import collections, io, pickle, struct, sys, types, zipfile
import numpy as np

_torch = types.ModuleType("torch")
_utils = types.ModuleType("torch._utils")


def _rebuild_tensor_v2(*args):
    raise RuntimeError("stand-in only")


_rebuild_tensor_v2.__module__ = "torch._utils"
_utils._rebuild_tensor_v2 = _rebuild_tensor_v2
_torch._utils = _utils
STORAGE_CLASSES = {}
for _dtype, _name in [(np.float32, "FloatStorage"), (np.float16, "HalfStorage"), (np.float64, "DoubleStorage"),
                      (np.int64, "LongStorage")]:
    _cls = type(_name, (), {"__module__": "torch"})
    setattr(_torch, _name, _cls)
    STORAGE_CLASSES[np.dtype(_dtype)] = _cls
sys.modules.setdefault("torch", _torch)
sys.modules.setdefault("torch._utils", _utils)


class Storage:
    """A flat typed buffer that tensors view."""
    def __init__(self, key, values):
        self.key, self.values = key, np.ascontiguousarray(values).reshape(-1)


class View:
    """A tensor: storage[offset + Σ index·stride]."""
    def __init__(self, storage, offset, shape, strides):
        self.storage, self.offset, self.shape, self.strides = storage, offset, tuple(shape), tuple(strides)

    def __reduce__(self):
        return (_rebuild_tensor_v2, (self.storage, self.offset, self.shape, self.strides, False, collections.OrderedDict()))

    def numpy(self):
        v = self.storage.values
        return np.lib.stride_tricks.as_strided(v[self.offset:], self.shape, [s * v.itemsize for s in self.strides]).copy()


def contiguous(key, array):
    array = np.ascontiguousarray(array)
    strides = [s // array.itemsize for s in array.strides]
    return View(Storage(key, array), 0, array.shape, strides)


class _Pickler(pickle.Pickler):
    def __init__(self, f, legacy):
        super().__init__(f, protocol=2)
        self.legacy, self.storages = legacy, collections.OrderedDict()

    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            self.storages[obj.key] = obj
            pid = ("storage", STORAGE_CLASSES[obj.values.dtype], obj.key, "cpu", obj.values.size)
            return pid + (None,) if self.legacy else pid
        return None


def write_legacy(path, state):
    with open(path, "wb") as f:
        pickle.dump(0x1950A86A20F9469CFC6C, f, protocol=2)
        pickle.dump(1001, f, protocol=2)
        pickle.dump({"protocol_version": 1001, "little_endian": True,
                     "type_sizes": {"short": 2, "int": 4, "long": 4}}, f, protocol=2)
        pickler = _Pickler(f, legacy=True)
        pickler.dump(collections.OrderedDict(state))
        pickle.dump(list(pickler.storages), f, protocol=2)
        for storage in pickler.storages.values():
            f.write(struct.pack("<q", storage.values.size))
            f.write(storage.values.astype(storage.values.dtype.newbyteorder("<")).tobytes())


def write_zip(path, state, archive="archive"):
    buffer = io.BytesIO()
    pickler = _Pickler(buffer, legacy=False)
    pickler.dump(collections.OrderedDict(state))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr(f"{archive}/data.pkl", buffer.getvalue())
        for storage in pickler.storages.values():
            z.writestr(f"{archive}/data/{storage.key}", storage.values.astype(storage.values.dtype.newbyteorder("<")).tobytes())
        z.writestr(f"{archive}/version", "3\n")
