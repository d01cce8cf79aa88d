"""The main window: a sidebar of pages, the pages, and the vault's state.

The window owns nothing global: it is given the vault handle, the prompts,
the theme controller and the settings, and passes each page what it needs.
While the vault is locked the pages are hidden behind a locked view, so
nothing from the vault stays on screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QByteArray,
    QCoreApplication,
    QSettings,
    QSize,
    Qt,
    QTimer,
)
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

import app
from app import paths
from app.core import settings as registry
from app.ui import icons
from app.ui.pages.base import Page
from app.ui.pages.dashboard import DashboardPage
from app.ui.pages.datasets import DatasetsPage
from app.ui.pages.identities import IdentitiesPage
from app.ui.pages.placeholder import PlaceholderPage
from app.ui.pages.settings import SettingsPage
from app.ui.pages.submissions import SubmissionsPage
from app.ui.prompts import Prompts
from app.ui.theme import ThemeController
from app.ui.unlock_dialog import UnlockDialog
from app.ui.vault import VaultHandle
from app.ui.widgets.common import IconLabel, heading, muted

LOCK_REQUEST_POLL_MS = 3000


@dataclass(frozen=True, slots=True)
class PageSpec:
    key: str
    title: str  # untranslated source text; translated when shown
    icon: str
    coming: str | None = None  # what a page not built yet will do


PAGES: tuple[PageSpec, ...] = (
    PageSpec("dashboard", str(QT_TRANSLATE_NOOP("MainWindow", "Dashboard")), "dashboard"),
    PageSpec(
        "datasets",
        str(QT_TRANSLATE_NOOP("MainWindow", "Datasets")),
        "datasets",
        str(
            QT_TRANSLATE_NOOP(
                "MainWindow",
                "Import your files (CSV, JSON Lines, Parquet, text, Markdown), review and clean "
                "the records, find and remove personal information, describe the dataset and "
                "attach consent terms. Prepared datasets are encrypted to your own key before "
                "they are written to disk.",
            )
        ),
    ),
    PageSpec(
        "submissions",
        str(QT_TRANSLATE_NOOP("MainWindow", "Submissions")),
        "submissions",
        str(
            QT_TRANSLATE_NOOP(
                "MainWindow",
                "Your outbox: build a signed submission from a prepared dataset and its consent "
                "terms, send it to a network, and follow each upload as it happens. Nothing "
                "leaves this computer until you confirm it, and consent can be revoked later.",
            )
        ),
    ),
    PageSpec(
        "earnings",
        str(QT_TRANSLATE_NOOP("MainWindow", "Earnings")),
        "earnings",
        str(
            QT_TRANSLATE_NOOP(
                "MainWindow",
                "What your contributions earned, checked against the signed statements each "
                "network sends: by period, dataset and network, with CSV and PDF export. It "
                "works offline.",
            )
        ),
    ),
    PageSpec(
        "reputation",
        str(QT_TRANSLATE_NOOP("MainWindow", "Reputation")),
        "reputation",
        str(
            QT_TRANSLATE_NOOP(
                "MainWindow",
                "How each network rates your contributions over time (acceptance, duplicates, "
                "share of attribution), from signed, hash-chained statements you can verify.",
            )
        ),
    ),
    PageSpec("identities", str(QT_TRANSLATE_NOOP("MainWindow", "Identities")), "identities"),
    PageSpec(
        "networks",
        str(QT_TRANSLATE_NOOP("MainWindow", "Networks")),
        "networks",
        str(
            QT_TRANSLATE_NOOP(
                "MainWindow",
                "Add an attribution network, check and pin its signing key, sync its statements "
                "and see its status. A built-in sandbox network lets you try the whole flow on "
                "this computer, with no account anywhere.",
            )
        ),
    ),
    PageSpec("settings", str(QT_TRANSLATE_NOOP("MainWindow", "Settings")), "settings"),
)


def _tr(text: str) -> str:
    return QCoreApplication.translate("MainWindow", text)


class LockedView(QWidget):
    """Shown instead of the pages while the vault is locked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockedView")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(IconLabel("lock", "muted", 48), 0, Qt.AlignmentFlag.AlignHCenter)
        title = heading(self.tr("Tessera is locked"), 1)
        layout.addWidget(title, 0, Qt.AlignmentFlag.AlignHCenter)
        text = muted(self.tr("Your vault is closed and its key is out of memory."))
        text.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(text)
        self.unlock_button = QPushButton(icons.icon("unlock", "on_accent"), self.tr("Unlock…"))
        self.unlock_button.setProperty("role", "primary")
        layout.addWidget(self.unlock_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)


class MainWindow(QMainWindow):
    """Sidebar navigation over the pages; the vault's state in the status bar."""

    def __init__(
        self,
        vault: VaultHandle,
        prompts: Prompts,
        theme: ThemeController,
        settings: registry.Settings,
        *,
        state_file: Path | None = None,
    ) -> None:
        super().__init__()
        self.vault = vault
        self.prompts = prompts
        self.unlock_dialog: UnlockDialog | None = None
        self.setWindowTitle("Tessera")
        self.setWindowIcon(icons.app_icon())
        self._state = QSettings(
            str(state_file or paths.data_dir() / "window-state.ini"), QSettings.Format.IniFormat
        )

        self.pages: dict[str, Page] = {}
        self.nav = QListWidget()
        self.stack = QStackedWidget()
        self._build_pages(vault, prompts, theme, settings)

        self.locked_view = LockedView()
        self.locked_view.unlock_button.clicked.connect(self.show_unlock)
        self.content = QStackedWidget()
        self.content.setObjectName("content")
        self.content.addWidget(self.stack)
        self.content.addWidget(self.locked_view)

        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self._sidebar())
        row.addWidget(self.content, 1)
        self.setCentralWidget(central)

        self._build_status_bar()
        self._build_actions()
        self._restore_state()

        self._lock_poll = QTimer(self, interval=LOCK_REQUEST_POLL_MS)
        self._lock_poll.timeout.connect(self._check_lock_request)
        self._lock_poll.start()
        vault.state_changed.connect(self._on_vault_state)
        self._on_vault_state()

    # --- building -----------------------------------------------------------------

    def _build_pages(
        self,
        vault: VaultHandle,
        prompts: Prompts,
        theme: ThemeController,
        settings: registry.Settings,
    ) -> None:
        for spec in PAGES:
            title = _tr(spec.title)
            page: Page
            if spec.key == "dashboard":
                dashboard = DashboardPage(vault)
                dashboard.go_to.connect(self.show_page)
                page = dashboard
            elif spec.key == "identities":
                page = IdentitiesPage(vault, prompts)
            elif spec.key == "datasets":
                page = DatasetsPage(vault, prompts)
            elif spec.key == "submissions":
                page = SubmissionsPage(vault, prompts)
            elif spec.key == "settings":
                settings_page = SettingsPage(vault, prompts, theme, settings)
                settings_page.lock_requested.connect(self.lock)
                page = settings_page
            else:
                assert spec.coming is not None
                page = PlaceholderPage(title, _tr(spec.coming), spec.icon)
            page.setObjectName(f"page-{spec.key}")
            page.message.connect(self.show_message)
            self.pages[spec.key] = page
            self.stack.addWidget(page)
            position = len(self.pages)
            item = QListWidgetItem(icons.icon(spec.icon), title)
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            item.setToolTip(f"{title} (Ctrl+{position})")
            item.setSizeHint(QSize(0, 36))
            self.nav.addItem(item)

    def _sidebar(self) -> QWidget:
        sidebar = QWidget()
        sidebar.setObjectName("sidebar")
        sidebar.setFixedWidth(216)
        column = QVBoxLayout(sidebar)
        column.setContentsMargins(12, 16, 12, 12)
        column.setSpacing(12)
        brand = QHBoxLayout()
        brand.setContentsMargins(8, 0, 0, 4)
        logo = QLabel()
        logo.setPixmap(icons.app_icon().pixmap(28, 28))
        brand.addWidget(logo)
        brand.addWidget(heading("Tessera", 2), 1)
        column.addLayout(brand)

        self.nav.setObjectName("nav")
        self.nav.setAccessibleName(self.tr("Pages"))
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setFrameShape(QListWidget.Shape.NoFrame)
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.nav.setUniformItemSizes(True)
        self.nav.setSpacing(0)
        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)
        column.addWidget(self.nav, 1)
        version = muted(f"Tessera {app.__version__}")
        version.setContentsMargins(8, 0, 0, 0)
        column.addWidget(version)
        return sidebar

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
        self.vault_icon = IconLabel("lock", "muted", 16)
        self.vault_label = QLabel()
        self.vault_label.setObjectName("vaultState")
        self.lock_button = QToolButton()
        self.lock_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.lock_button.setAutoRaise(True)
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 8, 0)
        row.setSpacing(6)
        row.addWidget(self.vault_icon)
        row.addWidget(self.vault_label)
        row.addWidget(self.lock_button)
        bar.addPermanentWidget(box)

    def _build_actions(self) -> None:
        self.lock_action = QAction(icons.icon("lock"), self.tr("Lock"), self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.setToolTip(self.tr("Lock the vault (Ctrl+L)"))
        self.lock_action.triggered.connect(lambda _checked=False: self.lock())
        self.addAction(self.lock_action)
        self.lock_button.setDefaultAction(self.lock_action)
        self.page_actions: list[QAction] = []
        for number, spec in enumerate(PAGES, start=1):
            action = QAction(_tr(spec.title), self)
            action.setShortcut(QKeySequence(f"Ctrl+{number}"))
            action.triggered.connect(lambda _checked=False, key=spec.key: self.show_page(key))
            self.addAction(action)
            self.page_actions.append(action)
        quit_action = QAction(self.tr("Quit"), self)
        quit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
        quit_action.triggered.connect(lambda _checked=False: self.close())
        self.addAction(quit_action)

    # --- navigation -----------------------------------------------------------------

    def show_page(self, key: str) -> None:
        keys = [spec.key for spec in PAGES]
        if key in keys and self.vault.is_open:
            self.nav.setCurrentRow(keys.index(key))

    def current_page(self) -> str:
        return PAGES[max(0, self.stack.currentIndex())].key

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 6000)

    # --- the vault --------------------------------------------------------------------

    def _on_vault_state(self) -> None:
        is_open = self.vault.is_open
        self.content.setCurrentWidget(self.stack if is_open else self.locked_view)
        self.nav.setEnabled(is_open)
        self.lock_action.setEnabled(is_open)
        for action in self.page_actions:
            action.setEnabled(is_open)
        custody = {
            "keyring": self.tr("key in the OS keyring"),
            "passphrase": self.tr("passphrase"),
        }.get(self.vault.custody or "", "")
        if is_open:
            text = self.tr("Unlocked")
            self.vault_icon.set_icon("unlock", "success")
        else:
            text = self.tr("Locked")
            self.vault_icon.set_icon("lock", "muted")
        self.vault_label.setText(f"{text} · {custody}" if custody else text)
        self.lock_button.setVisible(is_open)

    def lock(self) -> None:
        """Close the session now and ask to unlock again."""
        if not self.vault.is_open:
            self.show_unlock()
            return
        self.content.setCurrentWidget(self.locked_view)
        self.vault.lock(self).success(lambda _none: self.show_unlock()).run()

    def show_unlock(self) -> None:
        if self.unlock_dialog is not None:
            self.unlock_dialog.raise_()
            return
        dialog = UnlockDialog(self.vault, self)
        dialog.rejected.connect(self.close)
        dialog.finished.connect(self._unlock_finished)
        self.unlock_dialog = dialog
        dialog.open()

    def _unlock_finished(self, _result: int) -> None:
        if self.unlock_dialog is not None:
            self.unlock_dialog.deleteLater()
            self.unlock_dialog = None

    def _check_lock_request(self) -> None:
        """``tessera vault lock`` asks every open window to lock."""
        if not self.vault.is_open:
            return
        self.vault.op(self, lambda session: session.lock_requested()).quiet().success(
            lambda requested: self.lock() if requested and self.vault.is_open else None
        ).run()

    # --- window state -----------------------------------------------------------------

    def _restore_state(self) -> None:
        geometry = self._state.value("geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1180, 760)
        page = self._state.value("page", "dashboard")
        keys = [spec.key for spec in PAGES]
        self.nav.setCurrentRow(keys.index(page) if page in keys else 0)

    def save_state(self) -> None:
        self._state.setValue("geometry", self.saveGeometry())
        self._state.setValue("page", self.current_page())
        self._state.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._lock_poll.stop()
        self.save_state()
        super().closeEvent(event)
