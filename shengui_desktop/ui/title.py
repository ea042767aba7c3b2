"""The application's title: its own module, so the unlock dialog names the program without
importing ui/common.py (its table models and widgets make PySide6 build a dozen classes,
about a tenth of the imports on the way to the dialog; #20)."""

APP_TITLE = "小升规企业培育台账"
