"""The simulation layer: whole neighbourhoods over weeks or years.

:func:`.simulate.simulate` drives the relay through its public commands with a
seeded random stream (:mod:`.config` holds the rates and the result values;
:mod:`.loop` the run itself, :mod:`.tally` what it counts, :mod:`.reading`
what members read and who leaves).
"""
