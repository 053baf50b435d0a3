"""The hierarchy layer's parts: its records, queries, checks, state, changes and config.

The model itself, :class:`routing.model.Hierarchy`, is this layer's front door.
Its parts live here: the records it is stored in (:mod:`.records`), the
read-only queries over them (:mod:`.structure`), the rules a request is
checked against on its own (:mod:`.checks`), the plain state it is saved as
and rebuilt from (:mod:`.state`), every mutation as a frozen value
(:mod:`.changes`), and the TOML files a neighbourhood is described in
(:mod:`.config`, which reads their values through :mod:`.entries`).
"""
