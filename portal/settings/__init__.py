"""Settings split by where the portal runs: ``base`` (shared), ``local`` (a developer's machine,
the README's run command), ``production`` and ``test``. Everything that differs between machines
comes from environment variables, documented in ``.env.example``."""
