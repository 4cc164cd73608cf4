"""Training room: base encoder conversion, fine-tuning and ONNX export.

Reads the labeling room's gold data and writes model directories under
`models/`; it may import `inference` (to check an export with the real
runtime) but `inference` never imports it. Needs the `train` extra (torch).
"""
