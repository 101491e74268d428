#include "chart_export.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QPainter>
#include <QPixmap>
#include <QSvgGenerator>
#include <QWidget>

namespace batchscope::ui {

QString save_chart(QWidget* chart, const QString& file) {
    const QString suffix = QFileInfo(file).suffix().toLower();
    if (suffix == QLatin1String("png")) {
        if (!chart->grab().save(file, "PNG"))
            return QObject::tr("Could not write %1: check that the folder exists and is writable").arg(file);
        return {};
    }
    if (suffix == QLatin1String("svg")) {
        QSvgGenerator svg;
        svg.setFileName(file);
        svg.setSize(chart->size());
        svg.setViewBox(QRect(QPoint(0, 0), chart->size()));
        svg.setTitle(chart->windowTitle().isEmpty() ? QStringLiteral("Batchscope chart") : chart->windowTitle());
        svg.setDescription(QObject::tr("Made by Batchscope"));
        QPainter painter;
        if (!painter.begin(&svg))
            return QObject::tr("Could not write %1: check that the folder exists and is writable").arg(file);
        chart->render(&painter);
        painter.end();
        return {};
    }
    return QObject::tr("Cannot save a chart as \"%1\": use a file name ending in .png or .svg").arg(file);
}

void add_chart_save_menu(QWidget* chart, const QString& name) {
    chart->setContextMenuPolicy(Qt::CustomContextMenu);
    QObject::connect(chart, &QWidget::customContextMenuRequested, chart, [chart, name](const QPoint& at) {
        QMenu menu(chart);
        for (const char* kind : {"PNG", "SVG"}) {
            const QString k = QString::fromLatin1(kind);
            menu.addAction(QObject::tr("Save chart as %1\u2026").arg(k), chart, [chart, name, k] {
                const QString file = QFileDialog::getSaveFileName(
                    chart, QObject::tr("Save chart as %1").arg(k), name + QLatin1Char('.') + k.toLower(),
                    QObject::tr("%1 files (*.%2)").arg(k, k.toLower()));
                if (file.isEmpty()) return;
                const QString error = save_chart(chart, file);
                if (!error.isEmpty()) QMessageBox::warning(chart, QObject::tr("Chart not saved"), error);
            });
        }
        menu.exec(chart->mapToGlobal(at));
    });
}

}  // namespace batchscope::ui
