"""The presentation layer: hierarchies and incidents as rich trees, and explanations.

:mod:`.render` draws a hierarchy, an incident and its deliveries; :mod:`.explain`
says why each group was or was not reached, step by step.
"""
