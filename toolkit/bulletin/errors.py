"""What can go wrong making the bulletin: one exception per stage, and a warning."""


class BulletinError(Exception):
    """The bulletin cannot be built from the warehouse; the message says why."""


class RenderError(Exception):
    """The document cannot be rendered; the message says why and where."""


class RenderWarning(UserWarning):
    """The document was rendered, but something may look wrong (fonts, Pandoc or Typst notes)."""
