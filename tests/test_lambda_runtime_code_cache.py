"""The code cache: a deployed zip is unpacked once, with the handler's own modules compiled to bytecode."""

import importlib.util
import io
import zipfile

from local_cloud.lambda_runtime.code_cache import unpack_and_compile


def zip_of(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_the_top_modules_are_compiled_once_and_packages_and_broken_modules_are_left_alone(tmp_path):
    folder = tmp_path / "task"
    unpack_and_compile(zip_of({"app.py": "def handler(event, context):\n    return 1\n",
                               "helper.py": "VALUE = 2\n",
                               "broken.py": "def oops(:\n",
                               "big_dependency/__init__.py": "X = 3\n"}), folder)

    compiled = {path.name for path in (folder / "__pycache__").iterdir()}
    assert compiled == {importlib.util.cache_from_source(str(folder / name)).rsplit("/", 1)[1]
                        for name in ("app.py", "helper.py")}
    assert not (folder / "big_dependency" / "__pycache__").exists()
    assert (folder / "broken.py").read_text() == "def oops(:\n"  # its import will say what is wrong
