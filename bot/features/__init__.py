"""Feature modules beyond the core (scheduling, leaderboards): each has `install(app)`.

`install` may register `/drill` words on `app.router` and may return a service with
`async start(app)` and `async stop()`, which `saga-drills run` starts after the adapters connect.
"""
