"""The domain layer: values that mean something to the people in the groups.

Members, groups and roles (:mod:`.values`); a resident's SAAR report with its
signalement (:mod:`.melding`), the kenteken and the place it names
(:mod:`.kenteken`, :mod:`.place`); the platforms and their member limits
(:mod:`.settings`); the house rules' screening of messages (:mod:`.screening`);
and the chat texts the groups read (:mod:`.texts`). Nothing here knows of the
graph, the routing path or a file.
"""
