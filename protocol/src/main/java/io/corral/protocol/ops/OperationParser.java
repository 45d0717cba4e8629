package io.corral.protocol.ops;

import io.corral.protocol.ops.Operation.Axis;
import io.corral.protocol.ops.Operation.Fit;
import io.corral.protocol.ops.Operation.Format;
import io.corral.protocol.ops.Operation.Position;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The operation grammar. Every error message starts with the offending operation, quoted. */
final class OperationParser {
    /** Larger than any image the worker accepts (50 MP), so a dimension limit never hides a pixel limit. */
    static final int MAX_DIMENSION_PX = 65_535;

    static final double MAX_BLUR_SIGMA = 100.0;
    static final int MAX_WATERMARK_CHARS = 200;
    static final int MAX_OPERATION_CHARS = 300;

    private static final Pattern SIZE = Pattern.compile("(\\d{1,6})x(\\d{1,6})");
    private static final Pattern CROP = Pattern.compile("(\\d{1,6})x(\\d{1,6})\\+(\\d{1,6})\\+(\\d{1,6})");
    private static final Pattern DECIMAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3})?");
    private static final String GRAMMAR = "resize:WxH[,fit|fill|force][,no-upscale], thumbnail:N, crop:WxH+X+Y,"
            + " rotate:90|180|270, auto-orient, flip:h|v, grayscale, blur:SIGMA, sharpen,"
            + " watermark:TEXT[,POSITION], format:jpeg|png|webp|gif|bmp|tiff[,q=N], keep-metadata";

    private OperationParser() {}

    static Operation parse(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidOperationException("empty operation; expected one of: " + GRAMMAR);
        }
        if (text.length() > MAX_OPERATION_CHARS) {
            throw new InvalidOperationException(
                    "operation longer than " + MAX_OPERATION_CHARS + " characters: '" + text.substring(0, 40) + "...'");
        }
        String trimmed = text.strip();
        int colon = trimmed.indexOf(':');
        String name = (colon < 0 ? trimmed : trimmed.substring(0, colon)).toLowerCase(Locale.ROOT);
        String args = colon < 0 ? null : trimmed.substring(colon + 1);
        Operation op =
                switch (name) {
                    case "resize" -> resize(trimmed, required(trimmed, args));
                    case "thumbnail" -> new Operation.Thumbnail(dimension(trimmed, required(trimmed, args)));
                    case "crop" -> crop(trimmed, required(trimmed, args));
                    case "rotate" -> rotate(trimmed, required(trimmed, args));
                    case "flip" -> new Operation.Flip(oneOf(trimmed, Axis.class, required(trimmed, args), "h|v"));
                    case "blur" -> blur(trimmed, required(trimmed, args));
                    case "watermark" -> watermark(trimmed, required(trimmed, args));
                    case "format" -> format(trimmed, required(trimmed, args));
                    case "auto-orient" -> noArgs(trimmed, args, new Operation.AutoOrient());
                    case "grayscale" -> noArgs(trimmed, args, new Operation.Grayscale());
                    case "sharpen" -> noArgs(trimmed, args, new Operation.Sharpen());
                    case "keep-metadata" -> noArgs(trimmed, args, new Operation.KeepMetadata());
                    default ->
                        throw new InvalidOperationException(
                                "'" + trimmed + "': unknown operation '" + name + "'; expected one of: " + GRAMMAR);
                };
        return op;
    }

    private static String required(String op, String args) {
        if (args == null || args.isEmpty()) {
            throw new InvalidOperationException("'" + op + "': missing arguments after ':'");
        }
        return args;
    }

    private static Operation noArgs(String op, String args, Operation result) {
        if (args != null) {
            throw new InvalidOperationException("'" + op + "': takes no arguments");
        }
        return result;
    }

    private static Operation resize(String op, String args) {
        String[] parts = args.split(",", -1);
        Matcher m = SIZE.matcher(parts[0]);
        if (!m.matches()) {
            throw new InvalidOperationException("'" + op + "': expected WxH such as 800x600, got '" + parts[0] + "'");
        }
        Fit fit = Fit.FIT;
        boolean upscale = true;
        boolean fitSeen = false;
        for (int i = 1; i < parts.length; i++) {
            String flag = parts[i].toLowerCase(Locale.ROOT);
            if (flag.equals("no-upscale") && upscale) {
                upscale = false;
            } else if (!fitSeen && (flag.equals("fit") || flag.equals("fill") || flag.equals("force"))) {
                fit = Fit.valueOf(flag.toUpperCase(Locale.ROOT));
                fitSeen = true;
            } else {
                throw new InvalidOperationException("'" + op + "': unexpected or repeated option '" + parts[i]
                        + "'; options are fit|fill|force and no-upscale");
            }
        }
        return new Operation.Resize(dimension(op, m.group(1)), dimension(op, m.group(2)), fit, upscale);
    }

    private static Operation crop(String op, String args) {
        Matcher m = CROP.matcher(args);
        if (!m.matches()) {
            throw new InvalidOperationException("'" + op + "': expected WxH+X+Y such as 100x80+10+20");
        }
        return new Operation.Crop(
                dimension(op, m.group(1)), dimension(op, m.group(2)), offset(op, m.group(3)), offset(op, m.group(4)));
    }

    private static Operation rotate(String op, String args) {
        return switch (args) {
            case "90", "180", "270" -> new Operation.Rotate(Integer.parseInt(args));
            default -> throw new InvalidOperationException("'" + op + "': rotation must be 90, 180 or 270");
        };
    }

    private static Operation blur(String op, String args) {
        if (!DECIMAL.matcher(args).matches()) {
            throw new InvalidOperationException("'" + op + "': sigma must be a decimal number such as 1.5");
        }
        double sigma = Double.parseDouble(args);
        if (sigma <= 0 || sigma > MAX_BLUR_SIGMA) {
            throw new InvalidOperationException("'" + op + "': sigma must be > 0 and <= " + (int) MAX_BLUR_SIGMA);
        }
        return new Operation.Blur(sigma);
    }

    private static Operation watermark(String op, String args) {
        int comma = args.lastIndexOf(',');
        String text = args;
        Position position = Position.SOUTHEAST;
        if (comma >= 0) {
            String maybe = args.substring(comma + 1).toUpperCase(Locale.ROOT);
            for (Position p : Position.values()) {
                if (p.name().equals(maybe)) {
                    position = p;
                    text = args.substring(0, comma);
                }
            }
        }
        if (text.isBlank()) {
            throw new InvalidOperationException("'" + op + "': watermark text is empty");
        }
        if (text.length() > MAX_WATERMARK_CHARS) {
            throw new InvalidOperationException(
                    "'" + op.substring(0, 40) + "...': watermark text longer than " + MAX_WATERMARK_CHARS);
        }
        if (text.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidOperationException("'" + op + "': watermark text contains control characters");
        }
        return new Operation.Watermark(text, position);
    }

    private static Operation format(String op, String args) {
        String[] parts = args.split(",", -1);
        Format format = oneOf(
                op, Format.class, parts[0].equalsIgnoreCase("jpg") ? "jpeg" : parts[0], "jpeg|png|webp|gif|bmp|tiff");
        int quality = 0;
        if (parts.length > 2) {
            throw new InvalidOperationException("'" + op + "': at most one option, q=N");
        }
        if (parts.length == 2) {
            String q = parts[1].toLowerCase(Locale.ROOT);
            if (!q.matches("q=\\d{1,3}")
                    || Integer.parseInt(q.substring(2)) < 1
                    || Integer.parseInt(q.substring(2)) > 100) {
                throw new InvalidOperationException("'" + op + "': quality must be q=N with N from 1 to 100");
            }
            quality = Integer.parseInt(q.substring(2));
        }
        return new Operation.Convert(format, quality);
    }

    private static <E extends Enum<E>> E oneOf(String op, Class<E> type, String value, String allowed) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(value)) {
                return e;
            }
        }
        throw new InvalidOperationException("'" + op + "': expected " + allowed + ", got '" + value + "'");
    }

    private static int dimension(String op, String digits) {
        if (!digits.matches("\\d{1,6}")) {
            throw new InvalidOperationException("'" + op + "': expected a positive whole number, got '" + digits + "'");
        }
        int n = Integer.parseInt(digits);
        if (n < 1 || n > MAX_DIMENSION_PX) {
            throw new InvalidOperationException(
                    "'" + op + "': dimension " + n + " must be between 1 and " + MAX_DIMENSION_PX);
        }
        return n;
    }

    private static int offset(String op, String digits) {
        int n = Integer.parseInt(digits);
        if (n > MAX_DIMENSION_PX) {
            throw new InvalidOperationException("'" + op + "': offset " + n + " exceeds " + MAX_DIMENSION_PX);
        }
        return n;
    }

    static String formatDecimal(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    /** Parses every operation and returns their canonical texts, failing on the first bad one. */
    static List<String> canonicalize(List<String> ops) {
        List<String> out = new ArrayList<>(ops.size());
        for (String op : ops) {
            out.add(parse(op).canonical());
        }
        return out;
    }
}
