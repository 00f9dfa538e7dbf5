"""The vendor's world, written once: every other layer asks here.

- ``numbers``  the number rules (US toll-free senders, US forwarding numbers,
               short codes, loops, US territories): the validator, the plan
               check and the local API all call them
- ``roles``    who may configure call forwarding; the API scopes
- ``senders``  sender types and statuses, who may forward, status advisories
- ``state``    ``Forwarding`` (desired) and ``LiveSender`` (live): what a plan compares
"""
