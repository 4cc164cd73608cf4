"""Inference room: the ground floor of aftersales-guard.

Scores merchant texts with an ONNX model and decides violations with the rule
gate. It imports no other room and needs no torch, so operations can install
it alone on batch and API servers.
"""

__version__ = "0.1.0"
