"""OfferTracker webhooks: every committed change POSTed, signed, to the user's endpoints, at least once.

The parts: :mod:`.tables` and :mod:`.schema` (the plugin's own tables and
migrations), :mod:`.settings`, :mod:`.signing` (the signature and the
receiver's check), :mod:`.schedule` (retries), :mod:`.sender` (one POST) and
:mod:`.deliverer` (the outbox loop).
"""
