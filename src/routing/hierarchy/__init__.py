"""The hierarchy layer's parts: the graph's records, its state, its changes, its config.

The model itself, :class:`routing.model.Hierarchy`, is this layer's front door.
Its parts live here: the records and read-only queries over the graph
(:mod:`.structure`), the plain state it is saved as and rebuilt from
(:mod:`.state`), every mutation as a frozen value (:mod:`.changes`), and the
TOML files a neighbourhood is described in (:mod:`.config`).
"""
