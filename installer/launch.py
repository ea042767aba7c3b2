"""The frozen app's entry script: PyInstaller runs it as a top-level script, where the package's
own __main__.py (a relative import) cannot run."""

import sys

from shengui_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
