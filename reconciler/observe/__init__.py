"""The observe phase of ``cjrec plan`` and ``cjrec apply``: what CJ says now, read before planning.

Between loading the manifests and the state and making the plan, cjrec asks CJ what the
planner needs and nothing more, within the run's points: where open sourcing requests stand,
My Products, the details of new (or refreshed) products, the webhook settings and
subscriptions, and the freight quotes of the markets. The result is an
:class:`~reconciler.models.observed.Observed`, the third input of the pure planner.

- :mod:`reconciler.observe.refresh`: the phase in order, stage by stage, with the points check
  before any paid call (called by ``cli/plan_commands.py``); what each kind reads is the kind's
  (``reconciler/kinds/<kind>/reads.py``, registered as ``Kind.reads``).

The CJ client is injected (Protocols of just the reads made), so this package imports no
adapter: the CLI builds the connection and hands it in.
"""
