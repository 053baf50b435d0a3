"""Sphinx configuration: the Markdown pages of docs/ and the API reference from the docstrings.

Build (warnings are errors, every cross-reference must resolve)::

    python3 -m pip install ".[docs]"
    sphinx-build -W --keep-going -n -b html docs build/docs

The build needs no network: no intersphinx, no remote images. Names of the
standard library and of third-party packages in signatures are not linked
(see ``nitpick_ignore_regex``).
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path
from typing import Any

# Document the source tree next to this file, not whatever copy of `routing`
# happens to be installed.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import routing

project = "routing"
author = "routing maintainers"
copyright = "routing maintainers, MIT licence"
release = routing.__version__
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
]

source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "build", ".venv"]

# ----------------------------------------------------------------- Markdown

myst_enable_extensions = ["colon_fence"]
# Pages link to each other's sections as `page.md#section`.
myst_heading_anchors = 3

# ------------------------------------------------------------------ autodoc

autodoc_default_options = {
    "members": True,  # a module's members are exactly its __all__
    "undoc-members": True,  # fields of commands and outputs, enum members, constants
    "show-inheritance": True,
}
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_class_signature = "mixed"
autodoc_preserve_defaults = True
python_use_unqualified_type_names = True

# ----------------------------------------------------------- nitpicky mode

# Names in signatures and docstrings that are not part of this site: the
# standard library (`dt` is `import datetime as dt`) and the packages
# `routing` builds on. Without intersphinx (the build stays offline) they
# have nowhere to link to. Builtins such as `int` or `KeyError` need no entry.
_elsewhere = sorted({*sys.stdlib_module_names, "dt", "networkx", "attrs", "rich"})
nitpick_ignore_regex = [(r"py:.*", rf"({'|'.join(_elsewhere)})\..*")]

# ------------------------------------------------------ docstring sections

_UNDERLINE = re.compile(r"^([-=~^\"'`#*+])\1{2,}\s*$")


def _sections_to_rubrics(
    app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    """Turn a docstring's own section titles into rubrics.

    Module docstrings carry titles such as "Theory of operation" with an
    underline; inside an autodoc entry a section title is not allowed, a
    rubric is the same heading without taking part in the page's outline.
    """
    for i in range(len(lines) - 1):
        title, underline = lines[i], lines[i + 1]
        if (
            title.strip()
            and not title.startswith(" ")
            and _UNDERLINE.match(underline)
            and len(underline.strip()) >= len(title.strip())
            and (i == 0 or not lines[i - 1].strip())
        ):
            lines[i] = f".. rubric:: {title.strip()}"
            lines[i + 1] = ""


# ------------------------------------------------ every public name documented


def _check_public_names(app: Any, env: Any) -> None:
    """Warn for a name exported by `routing` that no page documents.

    `tests/test_exports.py` keeps docs/reference.md's index and
    ``routing.__all__`` in step; this keeps the generated entries in step
    with both.
    """
    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    documented = set(env.get_domain("py").objects)
    for name in routing.__all__:
        obj = getattr(routing, name)
        home = getattr(obj, "__module__", None)
        candidates = {f"routing.{name}"}
        if home and home.startswith("routing"):
            candidates.add(f"{home}.{name}")
        else:
            candidates |= {
                f"{module}.{name}"
                for module in _modules()
                if name in getattr(importlib.import_module(module), "__all__", ())
            }
        if not candidates & documented:
            logger.warning(
                "routing.%s is exported but documented on no page (looked for %s)",
                name,
                ", ".join(sorted(candidates)),
            )


def _modules() -> list[str]:
    import pkgutil

    return [
        m.name
        for m in pkgutil.walk_packages(routing.__path__, "routing.")
        if not m.name.endswith("__main__")
    ]


# ------------------------------------------------- short names in docstrings


def _lookup(dotted: str) -> tuple[Any, Any] | None:
    """The object a dotted name of `routing` means, and the module it is in."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            module = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        obj: Any = module
        try:
            for attr in parts[i:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj, module
    return None


def _is_public(dotted: str, module: Any) -> bool:
    """Whether a name is public: in its module's ``__all__``, no part private.

    A module is public when it says what it exports (``__all__``); every
    such module has a page.
    """
    rest = dotted[len(module.__name__) :].lstrip(".").split(".")
    if any(p.startswith("_") and p != "__version__" for p in dotted.split(".")):
        return False
    if rest == [""]:  # the module itself
        return hasattr(module, "__all__")
    return rest[0] in getattr(module, "__all__", ())


def _private_somewhere(name: str) -> bool:
    """Whether some module of `routing` has `name` without exporting it."""
    return any(
        hasattr(module, name) and name not in getattr(module, "__all__", ())
        for module in map(importlib.import_module, _modules())
    )


def _resolve_reference(app: Any, env: Any, node: Any, contnode: Any) -> Any:
    """Resolve the references the Python domain does not find by itself.

    Three kinds, everything else stays unresolved (and nitpicky mode reports it):

    * A short, unambiguous name of another module (:meth:`Hierarchy.remove`
      in ``routing.hierarchy.changes``), as a reader would take it: linked
      to the one documented object whose full name ends in it.
    * A re-export named by the module that re-exports it
      (``routing.relay.RelayConfig``): linked to its entry under the module
      that defines it.
    * A name that exists but is not public (not in its module's ``__all__``,
      or with a leading underscore): it has no entry by design, so it stays
      plain text. A name that does not exist at all (a typo, a renamed
      function) is still reported.
    """
    if node.get("refdomain") != "py":
        return None
    raw = node["reftarget"].lstrip("~")
    if not raw:
        return None
    here = node.get("py:module") or ""
    cls = node.get("py:class")
    if raw.startswith("."):
        candidates = [here + raw, raw.lstrip(".")]
    else:
        candidates = [raw]
        if cls:
            candidates.append(f"{here}.{cls}.{raw}")
        if here:
            candidates.append(f"{here}.{raw}")
    domain = env.get_domain("py")
    kinds = set(domain.objtypes_for_role(node["reftype"]) or ())
    if "class" in kinds:
        kinds |= {"data", "type"}  # a type alias in a signature is documented as data

    def link(fullname: str) -> Any:
        from sphinx.util.nodes import make_refnode

        entry = domain.objects[fullname]
        return make_refnode(
            app.builder, node["refdoc"], entry.docname, entry.node_id, contnode, fullname
        )

    def documented(suffix: str) -> list[str]:
        found = [
            name
            for name, entry in domain.objects.items()
            if (name == suffix or name.endswith("." + suffix))
            and not getattr(entry, "aliased", False)
        ]
        return [n for n in found if not kinds or domain.objects[n].objtype in kinds]

    for candidate in candidates:
        looked_up = _lookup(candidate) if candidate.startswith("routing") else None
        if looked_up is None:
            continue
        obj, module = looked_up
        home = getattr(obj, "__module__", None)
        qualname = getattr(obj, "__qualname__", None)
        if home and qualname and f"{home}.{qualname}" in domain.objects:
            return link(f"{home}.{qualname}")
        if not _is_public(candidate, module):
            return contnode
    if not raw.startswith(("routing.", ".")):
        matches = documented(raw)
        if len(matches) == 1:
            return link(matches[0])
        if not matches and "." not in raw and _private_somewhere(raw):
            # A type in a signature, imported for type checking only.
            return contnode
    return None


def setup(app: Any) -> dict[str, Any]:
    app.connect("autodoc-process-docstring", _sections_to_rubrics)
    app.connect("missing-reference", _resolve_reference)
    # docs/incidents.md draws the incident's life as a Mermaid diagram; the
    # site shows its source (no JavaScript is fetched to draw it).
    from pygments.lexers.special import TextLexer

    app.add_lexer("mermaid", TextLexer)
    app.connect("env-check-consistency", _check_public_names)
    return {"parallel_read_safe": True}


# --------------------------------------------------------------------- HTML

html_theme = "alabaster"
html_title = f"routing {release}"
html_static_path: list[str] = []
