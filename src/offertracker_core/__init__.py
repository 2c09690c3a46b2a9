"""OfferTracker's domain: entities, rules, ports and use-case services.

Pure Python (attrs, pluggy and the standard library); storage and HTTP are
adapters around it. See the README for a library example.
"""
