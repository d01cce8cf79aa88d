"""Starting the desktop app.

``run_gui`` builds the ``QApplication`` (name, id, version, icon,
translations, theme), then :class:`Startup` decides what the user sees
first: the first-run flow when there is no vault, the unlock dialog for
passphrase custody, or, with keyring custody, a silent unlock (with the
error and a way to retry if the keyring fails). The main window opens once
the vault is open.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QObject, QTranslator
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

import app as app_package
from app import paths
from app.core import settings as registry
from app.core.errors import TesseraError
from app.services import vault as vault_service
from app.ui import icons, resources
from app.ui.errors import install_excepthook, show_error, user_words
from app.ui.first_run import FirstRunDialog
from app.ui.main_window import MainWindow
from app.ui.prompts import Prompts
from app.ui.tasks import TaskManager
from app.ui.theme import ThemeController
from app.ui.unlock_dialog import UnlockDialog
from app.ui.vault import VaultHandle

log = logging.getLogger(__name__)


def configure_application(qapp: QApplication) -> None:
    """Names and icon from the package, so packaging and the desktop agree."""
    QCoreApplication.setApplicationName(app_package.APP_NAME)
    QCoreApplication.setOrganizationName(app_package.APP_NAME)
    QCoreApplication.setApplicationVersion(app_package.__version__)
    QApplication.setDesktopFileName(app_package.APP_ID)
    qapp.setWindowIcon(icons.app_icon())


def install_translations(qapp: QApplication, language: str = "system") -> list[QTranslator]:
    """Qt's own strings and Tessera's, for the chosen or the system language.

    A missing ``.qm`` file is normal (English needs none, and ``.qm`` files
    are built, not committed): the source strings are shown.
    """
    locale = QLocale.system() if language == "system" else QLocale(language)
    installed: list[QTranslator] = []
    qt_translator = QTranslator(qapp)
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if qt_translator.load(locale, "qtbase", "_", qt_dir):
        qapp.installTranslator(qt_translator)
        installed.append(qt_translator)
    for folder in resources.translation_dirs():
        ours = QTranslator(qapp)
        if ours.load(locale, "tessera", "_", str(folder)):
            qapp.installTranslator(ours)
            installed.append(ours)
            break
    return installed


def load_settings() -> registry.Settings:
    """The profile's settings; a damaged file falls back to defaults."""
    path = paths.settings_path()
    try:
        return registry.Settings.load(path)
    except TesseraError as exc:
        log.warning("settings ignored: %s", exc)
        return registry.Settings(path)


class Startup(QObject):
    """Chooses the first screen and opens the main window once unlocked.

    ``on_quit`` is called when the user leaves before the vault is open (the
    app passes ``QApplication.quit``; tests pass their own).
    """

    def __init__(
        self,
        vault: VaultHandle,
        prompts: Prompts,
        theme: ThemeController,
        settings: registry.Settings,
        *,
        on_quit: Callable[[], None],
    ) -> None:
        super().__init__()
        self.vault = vault
        self.prompts = prompts
        self.theme = theme
        self.settings = settings
        self._quit = on_quit
        self.window: MainWindow | None = None
        self.dialog: QWidget | None = None

    def start(self) -> None:
        status = vault_service.vault_status()
        self.vault.set_custody(status.custody)
        if not status.exists:
            dialog = FirstRunDialog(self.vault)
            dialog.accepted.connect(self.show_main)
            dialog.rejected.connect(self._quit)
            self._open(dialog)
        elif status.custody == "keyring":
            self.vault.unlock(None, None).success(lambda _c: self.show_main()).failure(
                self._keyring_failed
            ).run()
        else:
            self.ask_unlock()

    def ask_unlock(self, error: str | None = None) -> None:
        dialog = UnlockDialog(self.vault, error=error)
        dialog.accepted.connect(self.show_main)
        dialog.rejected.connect(self._quit)
        self._open(dialog)

    def _open(self, dialog: QWidget) -> None:
        self.dialog = dialog
        dialog.open()  # type: ignore[attr-defined]

    def _keyring_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, TesseraError):
            box = show_error(None, exc)
            if box is not None:
                box.finished.connect(lambda _r: self._quit())
            return
        message, hint = user_words(exc)
        text = QCoreApplication.translate(
            "Startup", "Tessera could not get the vault key from the OS keyring."
        )
        self.ask_unlock(f"{text} {message}" + (f" {hint}" if hint else ""))

    def show_main(self) -> None:
        if self.window is None:
            self.window = MainWindow(self.vault, self.prompts, self.theme, self.settings)
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()
        QApplication.setQuitOnLastWindowClosed(True)
        if self.dialog is not None:
            self.dialog.deleteLater()
            self.dialog = None


def run_gui(argv: Sequence[str]) -> int:
    """Run the desktop app until its last window closes; the exit status."""
    qapp = QApplication.instance()
    if not isinstance(qapp, QApplication):
        qapp = QApplication(list(argv))
    configure_application(qapp)
    install_excepthook()
    settings = load_settings()
    install_translations(qapp, settings.get(registry.LANGUAGE))
    theme = ThemeController(qapp, settings.get(registry.THEME))
    theme.refresh()

    tasks = TaskManager()
    vault = VaultHandle(tasks)
    prompts = Prompts()
    QApplication.setQuitOnLastWindowClosed(False)
    startup = Startup(vault, prompts, theme, settings, on_quit=qapp.quit)
    try:
        startup.start()
    except TesseraError as exc:
        message, hint = user_words(exc)
        QMessageBox.critical(None, "Tessera", f"{message}\n\n{hint}" if hint else message)
        return 1
    try:
        status = qapp.exec()
    finally:
        if startup.window is not None:
            startup.window.save_state()
        vault.close_now()
        tasks.shutdown(wait=True)
    return int(status)
