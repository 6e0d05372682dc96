"""Deployment packages are held to Lambda's rules at create time, and unpacked without escaping their folder."""

from __future__ import annotations

import io
import os
import struct
import time
import uuid
import zipfile

import pytest
from test_lambda_runtime import PID_HANDLER, create_role, deploy, invoke, make_zip

from local_cloud.lambda_runtime import code_cache, zip_package

NOT_A_ZIP = "Could not unzip uploaded file. Please check your file, then try to upload again."
TOO_BIG = "Unzipped size must be smaller than 262144000 bytes"


@pytest.fixture(scope="module")
def lam(cloud):
    return cloud.client("lambda")


@pytest.fixture(scope="module")
def role(cloud):
    return create_role(cloud)


def zeros_zip(size: int, name: str = "big.bin") -> bytes:
    """A small zip that unzips to `size` bytes of zeros (written in chunks: the test never holds them all)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return 1\n")
        with archive.open(name, "w", force_zip64=True) as entry:
            chunk = bytes(1024 * 1024)
            for _ in range(size // len(chunk)):
                entry.write(chunk)
            entry.write(bytes(size % len(chunk)))
    return buffer.getvalue()


def lying_zip(real_size: int, claimed_size: int) -> bytes:
    """One deflated entry whose headers (local and central) claim fewer bytes than it unzips to."""
    data = bytearray(zeros_zip(real_size, "data.bin"))
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (at := data.find(signature, start)) != -1:
            name_length = struct.unpack_from("<H", data, at + (26 if signature == b"PK\x03\x04" else 28))[0]
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if bytes(data[name_at:name_at + name_length]) == b"data.bin":
                struct.pack_into("<I", data, at + offset, claimed_size)
            start = at + 4
    return bytes(data)


def create(lam, role: str, code: bytes, name: str | None = None) -> str:
    name = name or f"fn-{uuid.uuid4().hex[:10]}"
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
                        Code={"ZipFile": code})
    return name


# -- at create_function / update_function_code (real HTTP to a local cloud) ------------------------------

@pytest.mark.parametrize("code", [b"print('hello')", b"PK\x03\x04 truncated", make_zip({"app.py": "x"})[:-30]],
                         ids=["python source", "zip signature only", "truncated zip"])
def test_create_refuses_what_is_not_a_zip(lam, role, code):
    name = f"fn-{uuid.uuid4().hex[:10]}"
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as refused:
        create(lam, role, code, name)
    assert refused.value.response["Error"]["Message"] == NOT_A_ZIP
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName=name)


def test_create_refuses_a_package_over_250_mb_unzipped(lam, role):
    code = zeros_zip(zip_package.MAX_UNZIPPED_BYTES + 1)
    assert len(code) < 2 * 1024 * 1024  # small on the wire: only its unzipped size is too big
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as refused:
        create(lam, role, code)
    assert refused.value.response["Error"]["Message"] == TOO_BIG


def test_a_refused_update_leaves_the_working_code_in_place(cloud, lam, role):
    name = deploy(cloud, role, PID_HANDLER)
    before = lam.get_function(FunctionName=name)["Configuration"]["CodeSha256"]
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as refused:
        lam.update_function_code(FunctionName=name, ZipFile=b"not a zip at all")
    assert refused.value.response["Error"]["Message"] == NOT_A_ZIP
    assert lam.get_function(FunctionName=name)["Configuration"]["CodeSha256"] == before
    response, body = invoke(lam, name)
    assert "FunctionError" not in response and "pid" in body


def test_a_valid_package_is_accepted(lam, role):
    name = create(lam, role, make_zip({"app.py": "def handler(event, context):\n    return 'ok'\n",
                                       "lib/helper.py": "X = 1\n"}))
    assert invoke(lam, name)[1] == "ok"


# -- the rules themselves --------------------------------------------------------------------------------

def test_a_header_that_lies_about_sizes_cannot_get_past(tmp_path):
    code = lying_zip(real_size=3 * 1024 * 1024, claimed_size=1000)
    info = zipfile.ZipFile(io.BytesIO(code)).getinfo("data.bin")
    assert info.file_size == 1000  # what the directory says
    with pytest.raises(zip_package.PackageError):
        zip_package.check(code, limit=1024 * 1024)
    with pytest.raises(zip_package.PackageError):
        zip_package.unpack(code, tmp_path / "task", limit=1024 * 1024)
    assert not (tmp_path / "task").exists() and not (tmp_path / "task.partial").exists()


def test_bytes_are_counted_as_they_come_out_whatever_the_directory_says(tmp_path):
    """zipfile itself stops at the declared size; the count is the guard that does not rely on that."""
    with pytest.raises(zip_package.PackageError, match="Unzipped size must be smaller"):
        zip_package._drain(io.BytesIO(bytes(2 * 1024 * 1024)), 0, 1024 * 1024)
    assert zip_package._drain(io.BytesIO(bytes(1000)), 24, 1024) == 1024


def test_entries_never_land_outside_the_function_folder(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in ("../escaped.py", "../../escaped2.py", "/absolute.py", "a/../../b/escaped3.py",
                     "C:\\windows.py", "..\\back.py", "ok/inner.py", "app.py"):
            archive.writestr(name, "X = 1\n")
    folder = tmp_path / "work" / "task"
    zip_package.unpack(buffer.getvalue(), folder)
    inside = sorted(str(path.relative_to(folder)).replace(os.sep, "/") for path in folder.rglob("*.py"))
    assert inside == ["a/b/escaped3.py", "absolute.py", "app.py", "back.py", "escaped.py", "escaped2.py",
                      "ok/inner.py", "windows.py"]
    everything = sorted(path.name for path in tmp_path.rglob("*.py"))
    assert len(everything) == len(inside)  # nothing was written next to or above the folder


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_a_symlinked_folder_cannot_lead_outside(tmp_path):
    root, outside = tmp_path / "task", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    os.symlink(outside, root / "link")
    assert zip_package._inside(root.resolve(), "link/evil.py") is None
    assert zip_package._inside(root.resolve(), "lib/ok.py") == root.resolve() / "lib" / "ok.py"


def test_a_new_cloud_removes_the_code_folders_of_dead_clouds(tmp_path):
    dead = tmp_path / f"{code_cache.PREFIX}999999999-{int(time.time())}-abc"
    reused = tmp_path / f"{code_cache.PREFIX}{os.getpid()}-12345-abc"  # our pid, another start time: a dead owner
    alive = tmp_path / f"{code_cache.PREFIX}{code_cache.processes.process_identity(os.getpid())}-abc"
    unrelated = tmp_path / f"{code_cache.PREFIX}older-format"
    for folder in (dead, reused, alive, unrelated):
        (folder / "fn").mkdir(parents=True)
        (folder / "fn" / "app.py").write_text("X = 1\n")
    removed = code_cache.remove_abandoned(str(tmp_path))
    assert sorted(removed) == sorted([dead, reused])
    assert alive.exists() and unrelated.exists() and not dead.exists() and not reused.exists()
