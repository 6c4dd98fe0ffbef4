"""Workers that bring the outside world onto the UI: cluster events, metric polls, packets.

Each feed is a non-visual widget owning its workers; it posts small messages up to the
screen. Threads never touch widgets: they post messages, and high-rate data is batched
(cluster changes are merged into one ``ChangeSummary`` until the UI has taken the last
one) or coalesced (a newer status or packet snapshot replaces an older one). Every buffer
is bounded, and blocking calls run so that quitting never waits for them.
"""

from kubetraffic.ui.feeds.base import Abandoned, interruptible
from kubetraffic.ui.feeds.cluster import ClusterFeed, EventBuffer
from kubetraffic.ui.feeds.metrics import MetricsFeed
from kubetraffic.ui.feeds.packets import PacketFeed

__all__ = ["Abandoned", "ClusterFeed", "EventBuffer", "MetricsFeed", "PacketFeed", "interruptible"]
