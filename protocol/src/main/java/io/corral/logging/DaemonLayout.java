package io.corral.logging;

import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Layout;
import ch.qos.logback.core.LayoutBase;

/**
 * The daemons' log layout: {@link #setPattern the pattern} as text, or {@link JsonLayout} lines when {@link LogFormat}
 * says {@code json}. One layout that picks, rather than two appenders of which logback.xml references one: an
 * appender defined but not referenced is a logback warning, and a warning makes logback print its whole start-up
 * status on every start.
 */
public final class DaemonLayout extends LayoutBase<ILoggingEvent> {
    private String pattern;
    private String format;
    private Layout<ILoggingEvent> delegate;

    /** The text format's pattern (logback's PatternLayout syntax). */
    public void setPattern(String pattern) {
        this.pattern = pattern;
    }

    /** {@code text} or {@code json}; unset (the daemons' case), {@link LogFormat#fromEnvironment()} decides. */
    public void setFormat(String format) {
        this.format = format;
    }

    @Override
    public void start() {
        String chosen = format != null ? LogFormat.resolve(format) : LogFormat.fromEnvironment();
        if (chosen.equals("json")) {
            delegate = new JsonLayout();
        } else {
            PatternLayout text = new PatternLayout();
            text.setPattern(pattern);
            delegate = text;
        }
        delegate.setContext(getContext());
        delegate.start();
        super.start();
    }

    @Override
    public void stop() {
        if (delegate != null) {
            delegate.stop();
        }
        super.stop();
    }

    @Override
    public String doLayout(ILoggingEvent event) {
        return delegate.doLayout(event);
    }

    @Override
    public String getContentType() {
        return delegate == null ? super.getContentType() : delegate.getContentType();
    }
}
