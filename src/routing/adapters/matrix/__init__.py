"""The hierarchy on a Matrix homeserver (``pip install "buurtpreventie-routing[matrix]"``).

* :mod:`~routing.adapters.matrix.accounts`: which Matrix account each member uses;
* :mod:`~routing.adapters.matrix.plan`: the rooms and spaces a hierarchy
  needs and the actions that make a homeserver hold them (pure);
* :mod:`~routing.adapters.matrix.provision`: those actions carried out with matrix-nio;
* :mod:`~routing.adapters.matrix.parse`: chat messages read as commands (pure);
* :mod:`~routing.adapters.matrix.bridge`: the routing path on the live rooms;
* :mod:`~routing.adapters.matrix.localserver`: a Synapse on this machine, to try it out.

Importing this package needs nothing beyond the core; the modules that talk
to the homeserver import matrix-nio.
"""
