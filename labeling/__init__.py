"""Labeling room: gold data, its checks and splits, labeling functions, augmentation.

Feeds the training room; may import `inference` (records, taxonomy) but is never
imported by it.
"""
