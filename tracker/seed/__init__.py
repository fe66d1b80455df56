"""Seed data, kept out of the product: the demo county (``flask seed-demo``) and the province-sized scale data
set (``flask seed-scale``), with the invented names, addresses and credit codes they share.

Only the command line (``tracker/cli.py``, inside its commands), the tests and ``bench/`` import this package;
no module of the product does. It writes through the product's services and models like any other caller.
"""
