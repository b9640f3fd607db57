"""Who hears about what, and the outbox that makes each e-mail go out once.

Every e-mail the board sends is a `Notification` row, and goes through these steps, one module
each:

1. `announce`: a service that changes state calls an announcing function inside its own
   transaction. It adds one row per recipient (need approved, offer received, invitation,
   password reset…), or, when a need opens, records its matches.
2. `match`: the firms a need matches, recorded when it opens (`NeedMatch`, their competences
   as they were then), and the `notify.fan_out` job that turns them into one row per user who
   wants instant e-mails.
3. `outbox`: the rows themselves: adding them once per recipient and subject, claiming them
   before SMTP is touched, retrying, failing and suppressing.
4. `deliver`: the `notify.send` job, which sends a batch of rows over one SMTP connection and
   marks each one sent as soon as the server has it.
5. `compose`: the e-mail of a row, in its recipient's language.
6. `sweep`: the `notify.sweep` job (every minute), which repairs what a lost message, a dead
   worker or a broker outage left behind and queues digests and reminders. Everything it does
   is keyed by a unique row or a conditional UPDATE, so two sweeps at once do no harm.
"""
