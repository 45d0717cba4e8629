package io.corral.worker.pipeline.internal;

import java.awt.image.BufferedImage;

/** Per-pixel and convolution filters on working images. Alpha is carried through unchanged except by blur. */
final class Filters {
    /** Below this sigma an exact Gaussian kernel is cheap (radius <= 6); above it three box blurs approximate it. */
    private static final double EXACT_GAUSSIAN_MAX_SIGMA = 2.0;

    static final double SHARPEN_SIGMA = 1.0;
    static final double SHARPEN_AMOUNT = 0.8;

    private Filters() {}

    /** Luma with the Rec. 709 (sRGB) weights on the encoded values. */
    static BufferedImage grayscale(BufferedImage src) {
        BufferedImage dst = Pixels.createLike(src, src.getWidth(), src.getHeight());
        int[] in = Pixels.data(src);
        int[] out = Pixels.data(dst);
        for (int i = 0; i < in.length; i++) {
            int p = in[i];
            int y = (int) Math.round(0.2126 * (p >> 16 & 0xFF) + 0.7152 * (p >> 8 & 0xFF) + 0.0722 * (p & 0xFF));
            out[i] = (p & 0xFF000000) | y << 16 | y << 8 | y;
        }
        return dst;
    }

    /**
     * Gaussian blur. The cost is bounded whatever the sigma: an exact separable kernel of radius ceil(3 sigma) for
     * small sigmas, and for larger ones three successive box blurs (running sums, constant work a pixel) whose sizes
     * are derived from sigma so their combined variance matches it. Edges repeat the border pixel.
     */
    static BufferedImage blur(BufferedImage src, double sigma) {
        int w = src.getWidth();
        int h = src.getHeight();
        BufferedImage dst = Pixels.createLike(src, w, h);
        int[] a = Pixels.data(src).clone();
        int[] b = new int[a.length];
        if (sigma <= EXACT_GAUSSIAN_MAX_SIGMA) {
            float[] kernel = gaussianKernel(sigma);
            convolve(a, b, w, h, kernel, true);
            convolve(b, a, w, h, kernel, false);
        } else {
            for (int size : boxSizes(sigma, 3)) {
                int radius = (size - 1) / 2;
                boxBlur(a, b, w, h, radius, true);
                boxBlur(b, a, w, h, radius, false);
            }
        }
        System.arraycopy(a, 0, Pixels.data(dst), 0, a.length);
        return dst;
    }

    /** Unsharp mask: the image plus {@value #SHARPEN_AMOUNT} times its difference from a sigma-1 blur. */
    static BufferedImage sharpen(BufferedImage src) {
        BufferedImage blurred = blur(src, SHARPEN_SIGMA);
        BufferedImage dst = Pixels.createLike(src, src.getWidth(), src.getHeight());
        int[] in = Pixels.data(src);
        int[] soft = Pixels.data(blurred);
        int[] out = Pixels.data(dst);
        for (int i = 0; i < in.length; i++) {
            int p = in[i];
            int q = soft[i];
            int r = sharpenChannel(p >> 16 & 0xFF, q >> 16 & 0xFF);
            int g = sharpenChannel(p >> 8 & 0xFF, q >> 8 & 0xFF);
            int bl = sharpenChannel(p & 0xFF, q & 0xFF);
            out[i] = (p & 0xFF000000) | r << 16 | g << 8 | bl;
        }
        return dst;
    }

    private static int sharpenChannel(int original, int blurred) {
        return clamp((int) Math.round(original + SHARPEN_AMOUNT * (original - blurred)));
    }

    static float[] gaussianKernel(double sigma) {
        int radius = (int) Math.ceil(3 * sigma);
        float[] kernel = new float[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) {
            double v = Math.exp(-(i * i) / (2 * sigma * sigma));
            kernel[i + radius] = (float) v;
            sum += v;
        }
        for (int i = 0; i < kernel.length; i++) {
            kernel[i] /= (float) sum;
        }
        return kernel;
    }

    /** Box widths (odd) whose n successive passes approximate a Gaussian of this sigma (W. Jarosz, "Fast Image Convolutions"). */
    static int[] boxSizes(double sigma, int n) {
        double ideal = Math.sqrt(12 * sigma * sigma / n + 1);
        int wl = (int) Math.floor(ideal);
        if (wl % 2 == 0) {
            wl--;
        }
        int wu = wl + 2;
        double mIdeal = (12 * sigma * sigma - n * wl * wl - 4.0 * n * wl - 3.0 * n) / (-4.0 * wl - 4);
        long m = Math.round(mIdeal);
        int[] sizes = new int[n];
        for (int i = 0; i < n; i++) {
            sizes[i] = i < m ? wl : wu;
        }
        return sizes;
    }

    private static void convolve(int[] in, int[] out, int w, int h, float[] kernel, boolean horizontal) {
        int radius = kernel.length / 2;
        int lines = horizontal ? h : w;
        int length = horizontal ? w : h;
        for (int line = 0; line < lines; line++) {
            for (int i = 0; i < length; i++) {
                float a = 0;
                float r = 0;
                float g = 0;
                float b = 0;
                for (int k = -radius; k <= radius; k++) {
                    int j = Math.min(length - 1, Math.max(0, i + k));
                    int p = in[horizontal ? line * w + j : j * w + line];
                    float f = kernel[k + radius];
                    a += f * (p >>> 24);
                    r += f * (p >> 16 & 0xFF);
                    g += f * (p >> 8 & 0xFF);
                    b += f * (p & 0xFF);
                }
                out[horizontal ? line * w + i : i * w + line] = pack(a, r, g, b);
            }
        }
    }

    private static void boxBlur(int[] in, int[] out, int w, int h, int radius, boolean horizontal) {
        int lines = horizontal ? h : w;
        int length = horizontal ? w : h;
        int stride = horizontal ? 1 : w;
        float scale = 1f / (2 * radius + 1);
        for (int line = 0; line < lines; line++) {
            int base = horizontal ? line * w : line;
            long a = 0;
            long r = 0;
            long g = 0;
            long b = 0;
            for (int k = -radius; k <= radius; k++) {
                int p = in[base + Math.min(length - 1, Math.max(0, k)) * stride];
                a += p >>> 24;
                r += p >> 16 & 0xFF;
                g += p >> 8 & 0xFF;
                b += p & 0xFF;
            }
            for (int i = 0; i < length; i++) {
                out[base + i * stride] = pack(a * scale, r * scale, g * scale, b * scale);
                int leaving = in[base + Math.max(0, i - radius) * stride];
                int entering = in[base + Math.min(length - 1, i + radius + 1) * stride];
                a += (entering >>> 24) - (leaving >>> 24);
                r += (entering >> 16 & 0xFF) - (leaving >> 16 & 0xFF);
                g += (entering >> 8 & 0xFF) - (leaving >> 8 & 0xFF);
                b += (entering & 0xFF) - (leaving & 0xFF);
            }
        }
    }

    private static int pack(float a, float r, float g, float b) {
        return clamp(Math.round(a)) << 24
                | clamp(Math.round(r)) << 16
                | clamp(Math.round(g)) << 8
                | clamp(Math.round(b));
    }

    private static int clamp(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }
}
