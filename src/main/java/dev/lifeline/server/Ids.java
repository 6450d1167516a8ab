package dev.lifeline.server;

import java.util.concurrent.ThreadLocalRandom;

/** Ids for answers the gateway writes itself (translated ones), in each dialect's own form. */
final class Ids {
    private static final char[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private Ids() {
    }

    static String chatCompletion() {
        return "chatcmpl-" + random(24);
    }

    static String anthropicMessage() {
        return "msg_" + random(24);
    }

    private static String random(int n) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        char[] c = new char[n];
        for (int i = 0; i < n; i++) {
            c[i] = ALPHABET[r.nextInt(ALPHABET.length)];
        }
        return new String(c);
    }
}
