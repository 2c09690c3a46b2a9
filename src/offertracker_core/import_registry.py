"""The installed importers, collected through the ``offertracker_register_importers`` hook.

:class:`ImporterRegistry` is built once at start-up from a plugin manager: each
plugin's hook implementation is called on its own with a ``register`` callback,
so the registry knows which plugin registered which importer. A plugin whose
hook raises is logged with its name and contributes nothing (the others still
load); two importers of one name stop start-up, naming both plugins.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import attrs
import pluggy

from .errors import BusinessRuleViolation
from .importers import Fetched, Fetcher, FileInput, Importer, ImportInput, ImportRefused, QueryInput, UrlInput

__all__ = [
    "DEFAULT_MAX_ACCOUNT_BYTES",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_RECORDS",
    "ImportSetup",
    "ImporterRegistry",
    "NoFetcher",
    "size_text",
]

logger = logging.getLogger(__name__)

DEFAULT_MAX_RECORDS = 500
"""Items (records and failures) one import reads at most."""
DEFAULT_MAX_ACCOUNT_BYTES = 50 * 1024 * 1024
"""The default cap of an account import's document: 50 MiB."""
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
"""The largest uploaded file an import reads (a fetched page is capped by the fetcher)."""

_HOOK = "offertracker_register_importers"


def size_text(limit: int) -> str:
    """A byte cap as people read it: ``5 MiB``, ``1 KiB``, ``900 bytes``."""
    for unit, size in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if limit >= size:
            return f"{limit / size:g} {unit}"
    return f"{limit} bytes"


@attrs.frozen
class Registered:
    """An importer and the plugin that registered it."""

    importer: Importer
    plugin: str


class ImporterRegistry:
    """Importers by name, in registration order; picks the one for an input."""

    def __init__(self) -> None:
        self._by_name: dict[str, Registered] = {}

    @classmethod
    def from_plugins(cls, pm: pluggy.PluginManager) -> ImporterRegistry:
        """Call every plugin's ``offertracker_register_importers`` and collect what they register."""
        registry = cls()
        caller = getattr(pm.hook, _HOOK)
        for impl in caller.get_hookimpls():  # registration order (pluggy calls hooks the other way)
            plugin = impl.plugin_name

            def register(importer: Importer, plugin: str = plugin) -> None:
                registry.add(importer, plugin=plugin)

            try:
                impl.function(register=register)
            except ValueError:
                raise  # a name taken twice: a configuration error worth stopping for
            except Exception:
                logger.exception("plugin %r failed in %s; its importers are not available", plugin, _HOOK)
        return registry

    def add(self, importer: Importer, *, plugin: str = "library") -> None:
        """Register ``importer``; ``ValueError`` when its name is taken."""
        if not isinstance(importer, Importer):
            raise TypeError(f"plugin {plugin!r} registered {importer!r}, not an offertracker Importer")
        taken = self._by_name.get(importer.name)
        if taken is not None:
            raise ValueError(
                f"importer name {importer.name!r} is registered by both {taken.plugin!r} and {plugin!r}"
            )
        self._by_name[importer.name] = Registered(importer, plugin)

    def __iter__(self) -> Iterator[Importer]:
        return (entry.importer for entry in self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)

    def plugin_of(self, name: str) -> str:
        """The name of the plugin that registered importer ``name``."""
        return self._by_name[name].plugin

    def get(self, name: str) -> Importer | None:
        """The importer called ``name``, or ``None``."""
        entry = self._by_name.get(name)
        return None if entry is None else entry.importer

    def choose(self, source: ImportInput, name: str | None = None) -> Importer:
        """The importer for ``source``: the one called ``name``, else the first that handles it.

        ``BusinessRuleViolation`` (400) when ``name`` is unknown, when that importer
        does not take this kind of input, or when no importer handles it.
        """
        if name is not None:
            importer = self.get(name)
            if importer is None:
                raise BusinessRuleViolation(
                    f"Unknown import source '{name}': GET /api/v1/imports/sources lists the installed ones"
                )
            kind = _kind(source)
            if kind not in importer.inputs:
                raise BusinessRuleViolation(f"The {name} importer does not take a {kind}")
            return importer
        if isinstance(source, QueryInput):
            raise BusinessRuleViolation("A search query needs a source: name the importer to search with")
        if isinstance(source, UrlInput):
            ordered = sorted(self, key=lambda importer: importer.catch_all)  # catch-alls last
            for importer in ordered:
                if importer.catch_all or importer.handles_url(source.url):
                    return importer
            raise BusinessRuleViolation("No installed importer handles this URL")
        for importer in self:
            if importer.handles_file(source.filename):
                return importer
        raise BusinessRuleViolation("No installed importer reads this type of file")


def _kind(source: ImportInput) -> str:
    if isinstance(source, UrlInput):
        return "url"
    if isinstance(source, FileInput):
        return "file"
    return "query"


class NoFetcher:
    """The fetcher of a host that fetches nothing (a library setup without one): refuses every URL."""

    async def fetch(self, url: str, *, accept: str = "*/*") -> Fetched:
        """Refuse ``url``."""
        raise ImportRefused(f"{url}: this OfferTracker is not set up to fetch URLs")


@attrs.frozen
class ImportSetup:
    """What imports run with: the importers, the fetcher lent to them and the bounds."""

    importers: ImporterRegistry = attrs.field(factory=ImporterRegistry)
    fetcher: Fetcher = attrs.field(factory=NoFetcher)
    max_records: int = DEFAULT_MAX_RECORDS
    max_file_bytes: int = DEFAULT_MAX_BYTES
    max_account_bytes: int = DEFAULT_MAX_ACCOUNT_BYTES
    """The largest account export document an account import reads (JSON, in bytes)."""
