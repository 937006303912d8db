"""Prints, one per line, which of the module names given as arguments the
running interpreter cannot find. warpdrive runs it with the application's
python to check that the chosen server (and WhiteNoise) can be imported.
"""
import importlib.util
import sys

for name in sys.argv[1:]:
    try:
        found = importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        print(name)
