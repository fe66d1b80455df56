"""The benchmark harness of issue 7: ``.venv/bin/python bench/run.py --sizes 10000,100000,1000000``."""
