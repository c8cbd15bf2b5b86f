from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from .models import Measure


class MeasureFeed(Feed):
    title = _("CN支援ポータル 補助金・支援策の新着と更新")
    link = reverse_lazy("subsidies:index")
    description = _("カーボンニュートラルに使える補助金・支援策の、新しく載ったものと内容が変わったもの。")

    def items(self):
        return Measure.objects.order_by("-updated_at")[:50]

    def item_title(self, item: Measure) -> str:
        return item.name

    def item_description(self, item: Measure) -> str:
        text = item.description
        if item.from_jgrants:
            text += f"（{item.attribution}）"
        return text

    def item_updateddate(self, item: Measure):
        return item.updated_at

    def item_pubdate(self, item: Measure):
        return item.created_at


class MeasureAtomFeed(MeasureFeed):
    feed_type = Atom1Feed
    subtitle = MeasureFeed.description
