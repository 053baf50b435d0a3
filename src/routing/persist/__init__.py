"""The persistence layer: the journal of commands and changes, in one SQLite file.

:mod:`.journal` runs a hierarchy and a relay from a journal and replays it;
:mod:`.store` owns the SQLite file, :mod:`.schema` the tables it may hold and
:mod:`.acks` the record of what was acknowledged beside it; :mod:`.events`
tags commands and changes for :mod:`routing.domain.codec`, which turns them
into JSON, and :mod:`.jsonread` reads that JSON back strictly;
:mod:`.personal` keeps personal data in rows of its own so that it can be
erased everywhere; :mod:`.document` is the whole state as one document.
"""
