package dev.lifeline.firewall;

/** Port lists as firewalls print them: {@code 11434}, {@code 80,443}, {@code 11000:12000}, {@code 11000-12000}. */
final class PortList {
    private PortList() {
    }

    static boolean contains(String list, int port) {
        for (String part : list.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            String[] range = p.split("[:\\-]");
            try {
                if (range.length == 2) {
                    if (port >= Integer.parseInt(range[0]) && port <= Integer.parseInt(range[1])) {
                        return true;
                    }
                } else if (Integer.parseInt(p) == port) {
                    return true;
                }
            } catch (NumberFormatException e) {
                // a service name ("http"): not resolved
            }
        }
        return false;
    }
}
