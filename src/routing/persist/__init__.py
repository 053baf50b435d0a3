"""The persistence layer: the journal of commands and changes, in one SQLite file.

:mod:`.journal` runs a hierarchy and a relay from a journal and replays it;
:mod:`.store` owns the SQLite file; :mod:`.codec` turns commands, changes and
outputs into JSON and back; :mod:`.personal` keeps personal data in rows of its
own so that it can be erased everywhere.
"""
