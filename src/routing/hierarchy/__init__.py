"""The hierarchy layer's parts: its records, queries, state, changes and config.

The model itself, :class:`routing.model.Hierarchy`, is this layer's front door.
Its parts live here: the records it is stored in (:mod:`.records`), the
read-only queries over them (:mod:`.structure`), the plain state it is saved
as and rebuilt from (:mod:`.state`), every mutation as a frozen value
(:mod:`.changes`), and the TOML files a neighbourhood is described in
(:mod:`.config`).
"""
